import {
  type PlatformSecurityEvent,
  SECURITY_EVENT_LABELS,
  type SecurityEvent,
  type SecurityEventKind,
} from '@cdp/contracts';
import { Badge, type BadgeTone } from '../../../components/ui/badge.tsx';
import { Table, TableBody, TableCell, TableHead, TableHeader, TableRow } from '../../../components/ui/table.tsx';
import { Tooltip } from '../../../components/ui/tooltip.tsx';
import { formatDateTime, formatUtc } from '../../../lib/format.ts';

const TONE: Record<SecurityEventKind, BadgeTone> = {
  permission_denied: 'warning',
  cross_tenant: 'danger',
  invalid_token: 'danger',
  refresh_reuse: 'danger',
  rate_limited: 'info',
  login_locked: 'warning',
};

function isPlatform(event: SecurityEvent | PlatformSecurityEvent): event is PlatformSecurityEvent {
  return 'org' in event;
}

/** Who did it, in words: a redacted copy says only that it came from outside. */
function who(event: SecurityEvent): string {
  if (event.actor) return event.actor.label;
  if (event.redacted) return 'A user of another organization';
  return 'Not signed in';
}

/** The one fact that explains the event, per kind. */
function detail(event: SecurityEvent): string {
  const d = event.detail ?? {};
  if (d.overflow) return 'More distinct events than the log keeps per minute: counted only';
  if (event.kind === 'permission_denied' && typeof d.missingPermission === 'string') {
    return `Needed ${d.missingPermission}`;
  }
  if (event.kind === 'login_locked') {
    const scope = d.scope === 'account' ? 'the whole account' : 'this address';
    return d.started ? `Locked ${scope} after repeated wrong passwords` : `Refused while ${scope} is locked`;
  }
  if (event.kind === 'invalid_token' && typeof d.reason === 'string') return `Token rejected (${d.reason})`;
  if (event.resourceIds.length > 0) {
    return `${event.resourceType ?? 'resource'} ${event.resourceIds.map((id) => `${id.slice(0, 8)}…`).join(', ')}`;
  }
  return '—';
}

function organizations(event: PlatformSecurityEvent): string {
  if (event.targetOrg) return `${event.actorOrg?.name ?? '?'} → ${event.targetOrg.name}`;
  return event.actorOrg?.name ?? event.org.name;
}

function When({ event }: { event: SecurityEvent }) {
  return (
    <Tooltip content={`First ${formatUtc(event.firstSeenAt)} · last ${formatUtc(event.lastSeenAt)}`}>
      <time dateTime={event.lastSeenAt}>{formatDateTime(event.lastSeenAt, true)}</time>
    </Tooltip>
  );
}

/**
 * Security events, newest first; identical events within a minute are one row with a count.
 * Narrow screens keep event, who and count; time and request fold under them.
 */
export function SecurityTable({ events }: { events: (SecurityEvent | PlatformSecurityEvent)[] }) {
  const platform = events.some(isPlatform);
  return (
    <Table>
      <TableHeader>
        <TableRow>
          <TableHead className="hidden sm:table-cell">Last seen</TableHead>
          <TableHead>Event</TableHead>
          <TableHead className="text-right">Count</TableHead>
          {platform ? <TableHead className="hidden lg:table-cell">Organizations</TableHead> : null}
          <TableHead>Who</TableHead>
          <TableHead className="hidden xl:table-cell">Request</TableHead>
        </TableRow>
      </TableHeader>
      <TableBody>
        {events.map((event) => (
          <TableRow key={event.id} className="align-top">
            <TableCell className="hidden whitespace-nowrap sm:table-cell">
              <When event={event} />
            </TableCell>
            <TableCell className="min-w-40">
              <Badge tone={TONE[event.kind]}>{SECURITY_EVENT_LABELS[event.kind]}</Badge>
              <p className="mt-1 text-xs break-words text-muted-foreground">{detail(event)}</p>
              <p className="mt-0.5 text-xs text-muted-foreground sm:hidden">
                <When event={event} />
              </p>
            </TableCell>
            <TableCell className="text-right font-mono tabular-nums">{event.count.toLocaleString()}</TableCell>
            {platform ? (
              <TableCell className="hidden min-w-32 lg:table-cell">
                {isPlatform(event) ? organizations(event) : '—'}
              </TableCell>
            ) : null}
            <TableCell className="min-w-36 [overflow-wrap:anywhere]">
              {who(event)}
              {event.ip ? <p className="mt-0.5 font-mono text-xs text-muted-foreground">{event.ip}</p> : null}
            </TableCell>
            <TableCell className="hidden font-mono text-xs xl:table-cell">
              {event.method && event.route ? `${event.method} ${event.route}` : '—'}
              {event.status ? <span className="text-muted-foreground"> → {event.status}</span> : null}
            </TableCell>
          </TableRow>
        ))}
      </TableBody>
    </Table>
  );
}
