import type { AuditVerifyResponse } from '@cdp/contracts';
import type { Tx } from '@cdp/db';
import { sql } from 'drizzle-orm';
import { GENESIS_HASH, type HashedEvent, hashEvent } from './audit-log.ts';

const BATCH = 5000;

interface StoredRow extends Record<string, unknown> {
  seq: string;
  prev_hash: string;
  hash: string;
  actor_type: string;
  actor_id: string | null;
  actor_label: string;
  action: string;
  resource_type: string;
  resource_id: string | null;
  resource_label: string | null;
  old_values: unknown;
  new_values: unknown;
  reason: string | null;
  ip: string | null;
  user_agent: string | null;
  created_at: string;
}

/**
 * Recomputes every hash of the organization's chain, in order, and checks each link points at
 * the one before; then checks the head matches the last event (so a removed tail shows too).
 */
export async function verifyAuditChain(tx: Tx, orgId: string): Promise<AuditVerifyResponse> {
  let expectedSeq = 1;
  let prevHash = GENESIS_HASH;
  let checked = 0;
  const broken = (seq: number, problem: string): AuditVerifyResponse => ({
    ok: false,
    checked,
    firstBrokenSequence: seq,
    problem,
  });

  for (;;) {
    const { rows } = await tx.execute<StoredRow>(sql`
      select seq, prev_hash, hash, actor_type, actor_id, actor_label, action, resource_type,
             resource_id, resource_label, old_values, new_values, reason, ip, user_agent,
             to_char(created_at at time zone 'UTC', 'YYYY-MM-DD"T"HH24:MI:SS.US"Z"') as created_at
      from audit_events
      where org_id = ${orgId} and seq >= ${expectedSeq}
      order by seq
      limit ${BATCH}`);
    if (rows.length === 0) break;

    for (const row of rows) {
      const seq = Number(row.seq);
      if (seq !== expectedSeq) {
        return broken(expectedSeq, `event ${expectedSeq} is missing (next found: ${seq})`);
      }
      if (row.prev_hash !== prevHash) {
        return broken(seq, `event ${seq} does not point at the hash of event ${seq - 1}`);
      }
      const event: HashedEvent = {
        orgId,
        seq,
        prevHash: row.prev_hash,
        actorType: row.actor_type,
        actorId: row.actor_id,
        actorLabel: row.actor_label,
        action: row.action,
        resourceType: row.resource_type,
        resourceId: row.resource_id,
        resourceLabel: row.resource_label,
        oldValues: row.old_values,
        newValues: row.new_values,
        reason: row.reason,
        ip: row.ip,
        userAgent: row.user_agent,
        createdAt: row.created_at,
      };
      if (hashEvent(event) !== row.hash) {
        return broken(seq, `event ${seq} was changed after it was written (hash mismatch)`);
      }
      prevHash = row.hash;
      expectedSeq = seq + 1;
      checked += 1;
    }
    if (rows.length < BATCH) break;
  }

  const head = await tx.execute<{ seq: string; hash: string }>(
    sql`select seq, hash from audit_heads where org_id = ${orgId}`,
  );
  const headRow = head.rows[0];
  const headSeq = headRow ? Number(headRow.seq) : 0;
  if (headSeq !== checked || (headRow && headRow.hash !== prevHash)) {
    return broken(
      checked + 1,
      `the chain ends at event ${checked} but ${headSeq} events were written (events removed?)`,
    );
  }
  return { ok: true, checked, firstBrokenSequence: null, problem: null };
}
