import type { AuditEvent, AuditPage, AuditQuery } from '@cdp/contracts';
import type { Actor } from '../auth/actor.ts';
import { auditPermissions } from '../policies/audit.ts';
import type { AuditRow } from '../repositories/audit.repo.ts';

export function presentAuditEvent(row: AuditRow): AuditEvent {
  return {
    seq: row.seq,
    action: row.action,
    resourceType: row.resourceType,
    resourceId: row.resourceId,
    resourceLabel: row.resourceLabel,
    actor: { type: row.actorType, id: row.actorId, label: row.actorLabel },
    oldValues: row.oldValues ?? null,
    newValues: row.newValues ?? null,
    reason: row.reason,
    ip: row.ip,
    userAgent: row.userAgent,
    createdAt: row.createdAt,
    prevHash: row.prevHash,
    hash: row.hash,
  };
}

export function auditPage(actor: Actor, found: { rows: AuditRow[]; total: number }, query: AuditQuery): AuditPage {
  return {
    data: found.rows.map(presentAuditEvent),
    page: { number: query.page, size: query.pageSize, total: found.total },
    meta: { permissions: auditPermissions(actor) },
  };
}
