import type { AuditEvent } from '@cdp/contracts';
import { ChevronRight } from 'lucide-react';
import { Fragment, useState } from 'react';
import { Badge } from '../../../components/ui/badge.tsx';
import { DescriptionList } from '../../../components/ui/description-list.tsx';
import { Table, TableBody, TableCell, TableHead, TableHeader, TableRow } from '../../../components/ui/table.tsx';
import { Tooltip } from '../../../components/ui/tooltip.tsx';
import { cn } from '../../../lib/cn.ts';
import { formatDateTime, formatUtc } from '../../../lib/format.ts';
import { actionTone, eventPhrase, type ResourceNames, resourceLabel } from './describe-event.ts';
import { ValueDiff } from './value-diff.tsx';

function Hash({ value }: { value: string }) {
  return <code className="font-mono text-[11px] break-all text-muted-foreground">{value}</code>;
}

function EventDetail({ event }: { event: AuditEvent }) {
  return (
    <div className="grid gap-6 px-5 py-4 lg:grid-cols-[3fr_2fr]">
      <div className="min-w-0 space-y-2">
        <p className="text-xs font-semibold tracking-wide text-muted-foreground uppercase">Changes</p>
        <ValueDiff event={event} />
      </div>
      <DescriptionList
        className="sm:grid-cols-1"
        items={[
          ['Time (UTC)', formatUtc(event.createdAt)],
          ['Resource id', event.resourceId ? <Hash key="id" value={event.resourceId} /> : '—'],
          [
            'Actor',
            `${event.actor.label} (${event.actor.type}${event.actor.id ? ` ${event.actor.id.slice(0, 8)}…` : ''})`,
          ],
          ['Origin', [event.ip, event.userAgent].filter(Boolean).join(' · ') || '—'],
          ['Hash', <Hash key="hash" value={event.hash} />],
          ['Previous hash', <Hash key="prev" value={event.prevHash} />],
        ]}
      />
    </div>
  );
}

/** Audit events, newest first; a row expands to its old → new values and its place in the hash chain. */
export function AuditTable({ events, names }: { events: AuditEvent[]; names?: ResourceNames }) {
  const [open, setOpen] = useState<Set<number>>(new Set());
  const toggle = (seq: number) =>
    setOpen((current) => {
      const next = new Set(current);
      if (next.has(seq)) next.delete(seq);
      else next.add(seq);
      return next;
    });
  return (
    <Table>
      <TableHeader>
        <TableRow>
          <TableHead className="w-10">
            <span className="sr-only">Details</span>
          </TableHead>
          <TableHead className="w-16">Seq</TableHead>
          <TableHead>Time</TableHead>
          <TableHead>Actor</TableHead>
          <TableHead>Action</TableHead>
          <TableHead>Resource</TableHead>
          <TableHead>Reason</TableHead>
        </TableRow>
      </TableHeader>
      <TableBody>
        {events.map((event) => {
          const expanded = open.has(event.seq);
          const detailId = `audit-event-${event.seq}`;
          return (
            <Fragment key={event.seq}>
              <TableRow
                className={cn('cursor-pointer hover:bg-surface-muted', expanded && 'border-b-0 bg-surface-muted')}
                onClick={() => toggle(event.seq)}
              >
                <TableCell className="pr-0">
                  <button
                    type="button"
                    onClick={(e) => {
                      e.stopPropagation();
                      toggle(event.seq);
                    }}
                    aria-expanded={expanded}
                    aria-controls={detailId}
                    aria-label={`${expanded ? 'Hide' : 'Show'} details of event ${event.seq}`}
                    className="flex size-6 items-center justify-center rounded text-muted-foreground hover:bg-surface-sunken hover:text-foreground focus-visible:outline-2 focus-visible:outline-ring"
                  >
                    <ChevronRight className={cn('size-4 transition-transform', expanded && 'rotate-90')} />
                  </button>
                </TableCell>
                <TableCell className="font-mono text-xs text-muted-foreground tabular-nums">{event.seq}</TableCell>
                <TableCell className="whitespace-nowrap">
                  <Tooltip content={formatUtc(event.createdAt)}>
                    <time dateTime={event.createdAt}>{formatDateTime(event.createdAt, true)}</time>
                  </Tooltip>
                </TableCell>
                <TableCell className="max-w-48 truncate" title={event.actor.label}>
                  {event.actor.label}
                </TableCell>
                <TableCell>
                  <Tooltip content={eventPhrase(event.action)}>
                    <Badge tone={actionTone(event.action)} className="font-mono text-[11px]" tabIndex={-1}>
                      {event.action}
                    </Badge>
                  </Tooltip>
                </TableCell>
                <TableCell className="max-w-64 min-w-40 break-words">
                  <span className="text-muted-foreground">{event.resourceType}</span>{' '}
                  <span className="font-medium">{resourceLabel(event, names)}</span>
                </TableCell>
                <TableCell className="max-w-80 min-w-48 break-words text-muted-foreground">
                  {event.reason ?? '—'}
                </TableCell>
              </TableRow>
              {expanded ? (
                <TableRow id={detailId} className="bg-surface-muted/60">
                  <TableCell colSpan={7} className="p-0! ">
                    <EventDetail event={event} />
                  </TableCell>
                </TableRow>
              ) : null}
            </Fragment>
          );
        })}
      </TableBody>
    </Table>
  );
}
