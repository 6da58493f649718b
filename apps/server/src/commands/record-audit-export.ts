import type { AuditQuery } from '@cdp/contracts';
import { appendAudit } from '../audit/audit-log.ts';
import type { Author } from '../auth/author.ts';
import type { AppContext } from '../lib/context.ts';

/** Taking a copy of the trail is itself an event: who took it, and which part. */
export async function recordAuditExport(
  ctx: AppContext,
  author: Author,
  input: { filters: Omit<AuditQuery, 'page' | 'pageSize'>; raw?: boolean },
): Promise<void> {
  await ctx.database.tenant(author.orgId, (tx) =>
    appendAudit(tx, {
      orgId: author.orgId,
      author,
      action: 'audit.exported',
      resourceType: 'audit_trail',
      resourceId: null,
      newValues: { filters: input.filters, ...(input.raw ? { raw: true } : {}) },
    }),
  );
}
