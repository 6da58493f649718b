import { type SQL, sql } from 'drizzle-orm';
import { type AuditEntry, chainedEvent, GENESIS_HASH, hashEvent } from './audit-log.ts';

/** The organization's chain head, locked by the transaction, and the transaction's time. */
export interface LockedAuditHead {
  seq: number;
  hash: string;
  /** `now()` as the trail stores it: ISO 8601, UTC, microseconds. */
  now: string;
}

/**
 * A CTE (`audit_head`) that creates the organization's head if it has none, locks it and returns
 * `seq`, `hash` and `now`: a statement that needs more (a command's own lock) selects from it, so
 * the head travels with a read the command makes anyway. The no-op update is what locks an
 * existing row and returns it in one statement (`ON CONFLICT DO NOTHING` returns nothing).
 * `after` names an earlier CTE the head is locked after (one row, or none: then nothing is locked
 * and `audit_head` is empty), to keep a command's lock order (its own row first, then the head,
 * as `appendAudit` after a `FOR UPDATE` does): taken the other way round, two commands deadlock.
 */
export function lockAuditHeadCte(orgId: string, after?: 'locked'): SQL {
  const source = after
    ? sql`select ${orgId}::uuid, 0, ${GENESIS_HASH} from locked`
    : sql`values (${orgId}::uuid, 0, ${GENESIS_HASH})`;
  return sql`audit_head as (
    insert into audit_heads (org_id, seq, hash) ${source}
    on conflict (org_id) do update set seq = audit_heads.seq
    returning seq, hash, to_char(now() at time zone 'UTC', 'YYYY-MM-DD"T"HH24:MI:SS.US"Z"') as now
  )`;
}

/** An entry whose resource label the caller knows (a batch looks nothing up). */
export type LabelledAuditEntry = AuditEntry & { resourceLabel: string | null };

/**
 * The events chained after `head`, hashed as `appendAudit` hashes them, as CTEs (`audit_rows`,
 * `audit_head_moved`) to put in front of the statement that writes them: N events in one round
 * trip instead of five each. The caller must hold the head's lock (`lockAuditHeadCte`) in the same
 * transaction.
 */
export function appendAuditCtes(orgId: string, head: LockedAuditHead, entries: LabelledAuditEntry[]): SQL {
  let seq = head.seq;
  let prevHash = head.hash;
  const rows = entries.map((entry) => {
    if (entry.orgId !== orgId) throw new Error('one batch of audit events is for one organization');
    const event = chainedEvent(entry, ++seq, prevHash, entry.resourceLabel, head.now);
    const hash = hashEvent(event);
    prevHash = hash;
    return {
      org_id: orgId,
      seq: event.seq,
      prev_hash: event.prevHash,
      hash,
      actor_type: event.actorType,
      actor_id: event.actorId,
      actor_label: event.actorLabel,
      action: event.action,
      resource_type: event.resourceType,
      resource_id: event.resourceId,
      resource_label: event.resourceLabel,
      old_values: event.oldValues,
      new_values: event.newValues,
      reason: event.reason,
      ip: event.ip,
      user_agent: event.userAgent,
      created_at: event.createdAt,
    };
  });
  return sql`audit_rows as (
    insert into audit_events (org_id, seq, prev_hash, hash, actor_type, actor_id, actor_label, action,
      resource_type, resource_id, resource_label, old_values, new_values, reason, ip, user_agent, created_at)
    select org_id, seq, prev_hash, hash, actor_type, actor_id, actor_label, action,
      resource_type, resource_id, resource_label, old_values, new_values, reason, ip, user_agent, created_at
    from json_populate_recordset(null::audit_events, ${JSON.stringify(rows)}::json)
    order by seq
  ), audit_head_moved as (
    update audit_heads set seq = ${seq}, hash = ${prevHash} where org_id = ${orgId}
  )`;
}

/** Reads a locked head from a row that selected `audit_head`'s columns. */
export function lockedHeadOf(row: { seq: string | number; hash: string; now: string }): LockedAuditHead {
  return { seq: Number(row.seq), hash: row.hash, now: row.now };
}
