import type { RoleAssignment, User } from '@cdp/contracts';
import { KeyRound, Lock } from 'lucide-react';
import { Badge } from '../../../components/ui/badge.tsx';
import { Tooltip } from '../../../components/ui/tooltip.tsx';
import { formatDate, formatDateTime } from '../../../lib/format.ts';
import { isLocked } from '../api/users-api.ts';

export function UserStatusBadges({ user }: { user: User }) {
  return (
    <span className="flex flex-wrap items-center gap-1.5">
      {user.status === 'active' ? <Badge tone="success">Active</Badge> : <Badge tone="muted">Deactivated</Badge>}
      {isLocked(user) ? (
        <Tooltip content={`Locked after failed sign-ins until ${formatDateTime(user.lockedUntil)}`}>
          <Badge tone="danger" tabIndex={0}>
            <Lock aria-hidden />
            Locked
          </Badge>
        </Tooltip>
      ) : null}
      {user.mustChangePassword && user.status === 'active' ? (
        <Tooltip content="Signs in with a temporary password and must choose their own">
          <Badge tone="info" tabIndex={0}>
            <KeyRound aria-hidden />
            Temporary password
          </Badge>
        </Tooltip>
      ) : null}
    </span>
  );
}

export function assignmentLabel(role: RoleAssignment): string {
  const scope = role.studyCode ? ` · ${role.studyCode}` : '';
  const until = role.expiresAt ? ` · until ${formatDate(role.expiresAt)}` : '';
  return `${role.roleName}${scope}${until}`;
}

export function RoleBadges({ roles }: { roles: RoleAssignment[] }) {
  if (roles.length === 0) return <span className="text-[13px] text-muted-foreground">No roles</span>;
  return (
    <span className="flex flex-wrap gap-1">
      {roles.map((role) => (
        <Badge
          key={role.id}
          tone={role.expired ? 'muted' : 'accent'}
          className={role.expired ? 'line-through' : undefined}
        >
          {assignmentLabel(role)}
          {role.expired ? <span className="sr-only"> (expired)</span> : null}
        </Badge>
      ))}
    </span>
  );
}
