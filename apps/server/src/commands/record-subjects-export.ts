import { appendAudit } from '../audit/audit-log.ts';
import type { Author } from '../auth/author.ts';
import type { AppContext } from '../lib/context.ts';

export interface SubjectsExport {
  studyId: string;
  dashboardId: string;
  widgetId: string;
  versionId: string;
  format: 'csv' | 'xlsx';
  point: Record<string, unknown>;
  filters: unknown[];
  subjects: number;
  sha256: string;
}

/**
 * A drill-down's subject list left the server as a file: audited like a dataset download
 * (`dashboard.subjects_exported`), with what was asked, how many subjects and the file's hash.
 */
export async function recordSubjectsExport(ctx: AppContext, author: Author, exported: SubjectsExport): Promise<void> {
  await ctx.database.tenant(author.orgId, (tx) =>
    appendAudit(tx, {
      orgId: author.orgId,
      author,
      action: 'dashboard.subjects_exported',
      resourceType: 'dashboard',
      resourceId: exported.dashboardId,
      newValues: exported,
    }),
  );
}
