import type { AuditEvent } from '@cdp/contracts';
import { Tooltip } from '../../../components/ui/tooltip.tsx';
import { cn } from '../../../lib/cn.ts';
import { formatRelative, formatUtc } from '../../../lib/format.ts';
import { actionTone, eventPhrase, type ResourceNames, resourceLabel } from './describe-event.ts';

const DOT = {
  danger: 'bg-red-500',
  warning: 'bg-amber-500',
  success: 'bg-emerald-500',
  neutral: 'bg-slate-400',
  accent: 'bg-teal-500',
} as const;

/** A compact, readable list of audit events ("Alex Admin created a study · CDP-302 · 5 minutes ago"). */
export function ActivityFeed({ events, names }: { events: AuditEvent[]; names?: ResourceNames }) {
  return (
    <ol className="divide-y divide-border">
      {events.map((event) => {
        const resource = resourceLabel(event, names);
        return (
          <li key={event.seq} className="flex items-start gap-3 px-5 py-3">
            <span className={cn('mt-1.5 size-2 shrink-0 rounded-full', DOT[actionTone(event.action)])} aria-hidden />
            <div className="min-w-0 flex-1">
              <p className="text-[13px] leading-snug">
                <span className="font-medium">{event.actor.label}</span>{' '}
                <span className="text-muted-foreground">{eventPhrase(event.action)}</span>
                {resource ? <span className="font-medium"> · {resource}</span> : null}
              </p>
              {event.reason ? (
                <p className="mt-0.5 truncate text-xs text-muted-foreground">Reason: {event.reason}</p>
              ) : null}
            </div>
            <Tooltip content={formatUtc(event.createdAt)}>
              <time dateTime={event.createdAt} className="shrink-0 text-xs whitespace-nowrap text-muted-foreground">
                {formatRelative(event.createdAt)}
              </time>
            </Tooltip>
          </li>
        );
      })}
    </ol>
  );
}
