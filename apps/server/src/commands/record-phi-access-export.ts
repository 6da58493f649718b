import type { PhiAccessQuery } from '@cdp/contracts';
import { appendAudit } from '../audit/audit-log.ts';
import type { Author } from '../auth/author.ts';
import type { AppContext } from '../lib/context.ts';

/** Taking a copy of the PHI access log is an audit event: who took it, and which part. */
export async function recordPhiAccessExport(ctx: AppContext, author: Author, filters: PhiAccessQuery): Promise<void> {
  await ctx.database.tenant(author.orgId, (tx) =>
    appendAudit(tx, {
      orgId: author.orgId,
      author,
      action: 'phi_access.exported',
      resourceType: 'phi_access_log',
      resourceId: null,
      newValues: { filters },
    }),
  );
}
