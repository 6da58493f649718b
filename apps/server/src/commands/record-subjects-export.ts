import { appendAudit, type RequestOrigin } from '../audit/audit-log.ts';
import { type Actor, actorRef } from '../auth/actor.ts';
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
export async function recordSubjectsExport(
  ctx: AppContext,
  actor: Actor,
  exported: SubjectsExport,
  origin: RequestOrigin,
): Promise<void> {
  await ctx.database.tenant(actor.orgId, (tx) =>
    appendAudit(tx, {
      orgId: actor.orgId,
      actor: actorRef(actor),
      action: 'dashboard.subjects_exported',
      resourceType: 'dashboard',
      resourceId: exported.dashboardId,
      newValues: exported,
      origin,
    }),
  );
}
