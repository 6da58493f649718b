import type { AuditQuery } from '@cdp/contracts';
import type { AppContext } from '../lib/context.ts';
import { csvRow } from '../lib/csv.ts';
import { auditBatch } from '../repositories/audit.repo.ts';
import { presentAuditEvent } from './audit.ts';

const EXPORT_BATCH = 2000;
const CSV_HEADER = [
  'sequence',
  'time_utc',
  'actor_type',
  'actor_id',
  'actor',
  'action',
  'resource_type',
  'resource_id',
  'resource',
  'old_values',
  'new_values',
  'reason',
  'ip',
  'user_agent',
  'prev_hash',
  'hash',
];

/** The organization's trail as CSV lines, oldest first, read in batches so any length streams. */
export async function* auditCsvLines(
  ctx: AppContext,
  orgId: string,
  filters: Omit<AuditQuery, 'page' | 'pageSize'>,
  options: { raw?: boolean } = {},
): AsyncGenerator<string> {
  yield csvRow(CSV_HEADER, options);
  let after = 0;
  for (;;) {
    const batch = await ctx.database.tenant(orgId, (tx) => auditBatch(tx, orgId, filters, after, EXPORT_BATCH));
    for (const e of batch.map(presentAuditEvent)) {
      yield csvRow(
        [
          e.seq,
          e.createdAt,
          e.actor.type,
          e.actor.id,
          e.actor.label,
          e.action,
          e.resourceType,
          e.resourceId,
          e.resourceLabel,
          e.oldValues,
          e.newValues,
          e.reason,
          e.ip,
          e.userAgent,
          e.prevHash,
          e.hash,
        ],
        options,
      );
    }
    if (batch.length < EXPORT_BATCH) return;
    after = batch[batch.length - 1]?.seq ?? after;
  }
}
