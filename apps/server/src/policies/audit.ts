import type { AuditQuery } from '@cdp/contracts';
import type { Actor } from '../auth/actor.ts';
import type { AppContext } from '../lib/context.ts';
import { type AuditRow, searchAudit } from '../repositories/audit.repo.ts';
import { type Grantee, heldOf } from './can.ts';

/**
 * An organization's trail is read whole by whoever holds `audit:view:own` (the routes'
 * preHandler checks it); it is always the actor's own organization's, never another's.
 */
export async function auditTrailFor(
  ctx: AppContext,
  actor: Actor,
  query: AuditQuery,
): Promise<{ rows: AuditRow[]; total: number }> {
  return ctx.database.tenant(actor.orgId, (tx) => searchAudit(tx, actor.orgId, query));
}

/** What the caller may do with the trail beyond reading it. */
export function auditPermissions(who: Grantee): string[] {
  return heldOf(who, ['audit:export:own']);
}
