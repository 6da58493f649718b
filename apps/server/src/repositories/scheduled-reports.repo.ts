import { dashboards, reportSettings, scheduledReportRuns, scheduledReports, type Tx, users } from '@cdp/db';
import { and, asc, desc, eq, isNull, lte, sql } from 'drizzle-orm';

export type ScheduledReportRow = typeof scheduledReports.$inferSelect;
export type ScheduledReportRunRow = typeof scheduledReportRuns.$inferSelect;

/** A report with what its presenter shows beside it: the dashboard's name and the owner. */
export interface ScheduledReportView {
  row: ScheduledReportRow;
  dashboardName: string;
  owner: { id: string; name: string; email: string };
}

/** The study's reports (not deleted), by name, or the one named. */
export async function listScheduledReports(
  tx: Tx,
  orgId: string,
  studyId: string,
  id?: string,
): Promise<ScheduledReportView[]> {
  const rows = await tx
    .select({ row: scheduledReports, dashboardName: dashboards.name, ownerName: users.name, ownerEmail: users.email })
    .from(scheduledReports)
    .innerJoin(dashboards, eq(dashboards.id, scheduledReports.dashboardId))
    .innerJoin(users, eq(users.id, scheduledReports.ownerId))
    .where(
      and(
        eq(scheduledReports.orgId, orgId),
        eq(scheduledReports.studyId, studyId),
        isNull(scheduledReports.deletedAt),
        id ? eq(scheduledReports.id, id) : undefined,
      ),
    )
    .orderBy(asc(scheduledReports.name), asc(scheduledReports.createdAt));
  return rows.map((r) => ({
    row: r.row,
    dashboardName: r.dashboardName,
    owner: { id: r.row.ownerId, name: r.ownerName, email: r.ownerEmail },
  }));
}

/** One report of the study, locked for a change or a run. */
export async function lockScheduledReport(
  tx: Tx,
  orgId: string,
  studyId: string | null,
  id: string,
): Promise<ScheduledReportRow | undefined> {
  const [row] = await tx
    .select()
    .from(scheduledReports)
    .where(
      and(
        eq(scheduledReports.orgId, orgId),
        studyId ? eq(scheduledReports.studyId, studyId) : undefined,
        eq(scheduledReports.id, id),
        isNull(scheduledReports.deletedAt),
      ),
    )
    .for('update');
  return row;
}

/** Active reports whose next run has come, across organizations (the minute job, in system()). */
export async function dueScheduledReports(tx: Tx, now: Date): Promise<{ id: string; orgId: string }[]> {
  return tx
    .select({ id: scheduledReports.id, orgId: scheduledReports.orgId })
    .from(scheduledReports)
    .where(
      and(eq(scheduledReports.active, true), isNull(scheduledReports.deletedAt), lte(scheduledReports.nextRunAt, now)),
    );
}

export async function listScheduledReportRuns(
  tx: Tx,
  orgId: string,
  reportId: string,
  limit = 100,
): Promise<ScheduledReportRunRow[]> {
  return tx
    .select()
    .from(scheduledReportRuns)
    .where(and(eq(scheduledReportRuns.orgId, orgId), eq(scheduledReportRuns.reportId, reportId)))
    .orderBy(desc(scheduledReportRuns.startedAt))
    .limit(limit);
}

export async function findScheduledReportRun(
  tx: Tx,
  orgId: string,
  reportId: string,
  runId: string,
): Promise<ScheduledReportRunRow | undefined> {
  const [row] = await tx
    .select()
    .from(scheduledReportRuns)
    .where(
      and(
        eq(scheduledReportRuns.orgId, orgId),
        eq(scheduledReportRuns.reportId, reportId),
        eq(scheduledReportRuns.id, runId),
      ),
    );
  return row;
}

/** E-mail addresses (lower case) of the organization's active users: the "inside" of the organization. */
export async function organizationEmails(tx: Tx, orgId: string): Promise<Set<string>> {
  const rows = await tx
    .select({ email: sql<string>`lower(${users.email})` })
    .from(users)
    .where(and(eq(users.orgId, orgId), eq(users.status, 'active')));
  return new Set(rows.map((r) => r.email));
}

export async function findReportSettings(tx: Tx, orgId: string): Promise<{ allowExternalRecipients: boolean }> {
  const [row] = await tx.select().from(reportSettings).where(eq(reportSettings.orgId, orgId));
  return { allowExternalRecipients: row?.allowExternalRecipients ?? false };
}
