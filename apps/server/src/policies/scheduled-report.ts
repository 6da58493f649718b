import type { Permission } from '@cdp/contracts';
import type { Tx } from '@cdp/db';
import type { Actor } from '../auth/actor.ts';
import type { Author } from '../auth/author.ts';
import { notFound } from '../lib/app-error.ts';
import type { AppContext } from '../lib/context.ts';
import {
  listScheduledReports,
  lockScheduledReport,
  type ScheduledReportRow,
  type ScheduledReportView,
} from '../repositories/scheduled-reports.repo.ts';
import type { StudyRow } from '../repositories/studies.repo.ts';
import { can, type Grantee } from './can.ts';
import { authorizeStudy, studyFor } from './study.ts';

/**
 * A scheduled report sends a dashboard's data out of the product by e-mail: whoever may export
 * the study's dashboards (`dashboard:export:assigned`) may see, create, change, test and delete
 * its reports; anyone else is told the permission, another tenant's report is not found.
 */
export const REPORT_PERMISSION = 'dashboard:export:assigned' as const satisfies Permission;

export async function studyForReports(ctx: AppContext, actor: Actor, studyId: string): Promise<StudyRow> {
  return studyFor(ctx, actor, studyId, REPORT_PERMISSION);
}

export async function scheduledReportFor(
  ctx: AppContext,
  actor: Actor,
  params: { studyId: string; reportId: string },
): Promise<ScheduledReportView> {
  const study = await studyForReports(ctx, actor, params.studyId);
  const [found] = await ctx.database.tenant(actor.orgId, (tx) =>
    listScheduledReports(tx, actor.orgId, study.id, params.reportId),
  );
  if (!found) throw notFound('Scheduled report');
  return found;
}

/** Inside a command's transaction: the report locked, after the same decision. */
export async function lockedScheduledReportFor(
  tx: Tx,
  author: Author,
  params: { studyId: string; reportId: string },
): Promise<ScheduledReportRow> {
  authorizeStudy(author, REPORT_PERMISSION, { id: params.studyId });
  const row = await lockScheduledReport(tx, author.orgId, params.studyId, params.reportId);
  if (!row) throw notFound('Scheduled report');
  return row;
}

export function scheduledReportPermissions(who: Grantee, studyId: string): string[] {
  return can(who, REPORT_PERMISSION, studyId) ? [REPORT_PERMISSION] : [];
}
