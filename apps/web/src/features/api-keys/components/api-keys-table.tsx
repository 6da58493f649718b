import type { ApiKey, ApiKeyStatus } from '@cdp/contracts';
import { Badge, type BadgeTone } from '../../../components/ui/badge.tsx';
import { Button } from '../../../components/ui/button.tsx';
import { Table, TableBody, TableCell, TableHead, TableHeader, TableRow } from '../../../components/ui/table.tsx';
import { Tooltip } from '../../../components/ui/tooltip.tsx';
import { formatDate, formatRelative, plural } from '../../../lib/format.ts';

const TONE: Record<ApiKeyStatus, BadgeTone> = { active: 'success', expired: 'warning', revoked: 'neutral' };

function Scopes({ scopes }: { scopes: string[] }) {
  const shown = scopes.slice(0, 3);
  return (
    <Tooltip content={scopes.join(', ')}>
      <span className="flex flex-wrap gap-1">
        {shown.map((s) => (
          <Badge key={s} className="font-mono text-[11px]">
            {s}
          </Badge>
        ))}
        {scopes.length > shown.length ? <Badge>+{scopes.length - shown.length}</Badge> : null}
      </span>
    </Tooltip>
  );
}

/** The organization's keys: what each is (prefix, scopes, studies), its state, and when it was last used. */
export function ApiKeysTable({
  keys,
  studyCodes,
  onRevoke,
}: {
  keys: ApiKey[];
  studyCodes: Map<string, string>;
  onRevoke: (key: ApiKey) => void;
}) {
  return (
    <Table>
      <TableHeader>
        <TableRow>
          <TableHead>Name</TableHead>
          <TableHead>Key</TableHead>
          <TableHead>Scopes</TableHead>
          <TableHead>Studies</TableHead>
          <TableHead>Last used</TableHead>
          <TableHead>Status</TableHead>
          <TableHead className="text-right">
            <span className="sr-only">Actions</span>
          </TableHead>
        </TableRow>
      </TableHeader>
      <TableBody>
        {keys.map((key) => (
          <TableRow key={key.id}>
            <TableCell className="min-w-44">
              <span className="font-medium">{key.name}</span>
              <span className="block text-xs text-muted-foreground">
                by {key.createdBy.name} · {formatDate(key.createdAt)}
              </span>
            </TableCell>
            <TableCell className="whitespace-nowrap font-mono text-[13px]">{key.prefix}…</TableCell>
            <TableCell>
              <Scopes scopes={key.scopes} />
            </TableCell>
            <TableCell className="whitespace-nowrap text-[13px]">
              {key.studyIds === null
                ? 'All'
                : key.studyIds.map((id) => studyCodes.get(id) ?? plural(1, 'study')).join(', ')}
            </TableCell>
            <TableCell className="whitespace-nowrap text-[13px]">
              {key.lastUsedAt ? (
                <Tooltip content={key.lastUsedIp ? `from ${key.lastUsedIp}` : ''}>
                  <time dateTime={key.lastUsedAt}>{formatRelative(key.lastUsedAt)}</time>
                </Tooltip>
              ) : (
                <span className="text-muted-foreground">Never</span>
              )}
            </TableCell>
            <TableCell>
              <Badge tone={TONE[key.status]}>{key.status}</Badge>
              <span className="block min-w-32 text-xs text-muted-foreground">
                {key.status === 'revoked'
                  ? key.revokeReason
                  : key.expiresAt
                    ? `${key.status === 'expired' ? 'expired' : 'until'} ${formatDate(key.expiresAt)}`
                    : `${key.hourlyLimit.toLocaleString()}/h · ${key.dailyLimit.toLocaleString()}/day`}
              </span>
            </TableCell>
            <TableCell className="text-right">
              {key.status === 'active' ? (
                <Button variant="secondary" size="sm" onClick={() => onRevoke(key)}>
                  Revoke
                </Button>
              ) : null}
            </TableCell>
          </TableRow>
        ))}
      </TableBody>
    </Table>
  );
}
