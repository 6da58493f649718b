import { createHash } from 'node:crypto';
import type { AuditAction, AuditResourceType } from '@cdp/contracts';
import { auditEvents, auditHeads, type Tx } from '@cdp/db';
import { sql } from 'drizzle-orm';
import type { AuditAuthor } from '../auth/author.ts';
import { canonicalJson } from './canonical-json.ts';
import { resourceLabelFor } from './resource-label.ts';

export const GENESIS_HASH = '0'.repeat(64);

export interface AuditEntry {
  orgId: string;
  /** Who acted, and from where (IP, user agent). */
  author: AuditAuthor;
  action: AuditAction;
  resourceType: AuditResourceType;
  resourceId: string | null;
  /** How a person knows the resource; looked up in the transaction when not given (resource-label.ts). */
  resourceLabel?: string | null;
  oldValues?: unknown;
  newValues?: unknown;
  reason?: string | null;
}

/** The fields the hash covers, in the shape that is hashed. */
export interface HashedEvent {
  orgId: string;
  seq: number;
  prevHash: string;
  actorType: string;
  actorId: string | null;
  actorLabel: string;
  action: string;
  resourceType: string;
  resourceId: string | null;
  /** Left out of the hash when null, so events written before the column existed still verify. */
  resourceLabel: string | null;
  oldValues: unknown;
  newValues: unknown;
  reason: string | null;
  ip: string | null;
  userAgent: string | null;
  /** ISO 8601, UTC, microseconds: exactly what the database stores */
  createdAt: string;
}

export function hashEvent(event: HashedEvent): string {
  const { resourceLabel, ...rest } = event;
  const hashed = resourceLabel === null ? rest : event;
  return createHash('sha256')
    .update(canonicalJson({ v: 1, ...hashed }))
    .digest('hex');
}

/** Keys whose string values never enter the audit trail, at any depth. */
const SECRET_KEY = /(password|secret|token|hash|api_?key|cookie|authorization)$/i;

export function redactSecrets(value: unknown): unknown {
  if (Array.isArray(value)) return value.map(redactSecrets);
  if (value instanceof Date) return value.toISOString();
  if (value !== null && typeof value === 'object') {
    const out: Record<string, unknown> = {};
    for (const [k, v] of Object.entries(value as Record<string, unknown>)) {
      if (v === undefined) continue;
      out[k] = SECRET_KEY.test(k) && typeof v === 'string' ? '[redacted]' : redactSecrets(v);
    }
    return out;
  }
  return value;
}

/**
 * The event as the chain hashes and stores it: `entry` at `seq` after `prevHash`, secrets redacted
 * from its values. Shared by `appendAudit` and the batch path (audit-batch.ts), so the two can never
 * hash an event differently.
 */
export function chainedEvent(
  entry: AuditEntry,
  seq: number,
  prevHash: string,
  resourceLabel: string | null,
  createdAt: string,
): HashedEvent {
  return {
    orgId: entry.orgId,
    seq,
    prevHash,
    actorType: entry.author.type,
    actorId: entry.author.id,
    actorLabel: entry.author.label,
    action: entry.action,
    resourceType: entry.resourceType,
    resourceId: entry.resourceId,
    resourceLabel,
    oldValues: entry.oldValues === undefined ? null : redactSecrets(entry.oldValues),
    newValues: entry.newValues === undefined ? null : redactSecrets(entry.newValues),
    reason: entry.reason ?? null,
    ip: entry.author.ip,
    userAgent: entry.author.userAgent,
    createdAt,
  };
}

/**
 * Appends one event to the organization's chain, inside the caller's transaction, so the event
 * exists if and only if the change it records is committed. The head row's lock orders
 * concurrent appends of one organization; other organizations do not wait.
 */
export async function appendAudit(tx: Tx, entry: AuditEntry): Promise<{ seq: number; hash: string }> {
  await tx.execute(sql`
    insert into audit_heads (org_id, seq, hash) values (${entry.orgId}, 0, ${GENESIS_HASH})
    on conflict (org_id) do nothing`);
  const head = await tx.execute<{ seq: string; hash: string; now: string }>(sql`
    select seq, hash,
           to_char(now() at time zone 'UTC', 'YYYY-MM-DD"T"HH24:MI:SS.US"Z"') as now
    from audit_heads where org_id = ${entry.orgId} for update`);
  const row = head.rows[0];
  if (!row) throw new Error(`audit head missing for organization ${entry.orgId}`);

  const event = chainedEvent(entry, Number(row.seq) + 1, row.hash, await resourceLabelFor(tx, entry), row.now);
  const hash = hashEvent(event);

  await tx.insert(auditEvents).values({
    orgId: event.orgId,
    seq: event.seq,
    prevHash: event.prevHash,
    hash,
    actorType: entry.author.type,
    actorId: event.actorId,
    actorLabel: event.actorLabel,
    action: event.action,
    resourceType: event.resourceType,
    resourceId: event.resourceId,
    resourceLabel: event.resourceLabel,
    oldValues: event.oldValues,
    newValues: event.newValues,
    reason: event.reason,
    ip: event.ip,
    userAgent: event.userAgent,
    createdAt: sql`${event.createdAt}::timestamptz`,
  });
  await tx.update(auditHeads).set({ seq: event.seq, hash }).where(sql`${auditHeads.orgId} = ${entry.orgId}`);
  return { seq: event.seq, hash };
}
