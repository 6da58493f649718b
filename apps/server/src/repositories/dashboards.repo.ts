import { dashboards, dashboardVersions, type Tx, users } from '@cdp/db';
import { and, asc, desc, eq, isNull } from 'drizzle-orm';

export type DashboardRow = typeof dashboards.$inferSelect;
export type DashboardVersionRow = typeof dashboardVersions.$inferSelect;

export interface DashboardWithActor {
  row: DashboardRow;
  updatedBy: { id: string; name: string } | null;
}

/** A study's dashboards (not deleted), oldest first. Always by org. */
export async function listDashboards(tx: Tx, orgId: string, studyId: string): Promise<DashboardWithActor[]> {
  const rows = await tx
    .select({ row: dashboards, userName: users.name })
    .from(dashboards)
    .leftJoin(users, eq(users.id, dashboards.updatedBy))
    .where(and(eq(dashboards.orgId, orgId), eq(dashboards.studyId, studyId), isNull(dashboards.deletedAt)))
    .orderBy(asc(dashboards.createdAt), asc(dashboards.name));
  return rows.map(({ row, userName }) => ({
    row,
    updatedBy: row.updatedBy ? { id: row.updatedBy, name: userName ?? '' } : null,
  }));
}

export async function findDashboard(
  tx: Tx,
  orgId: string,
  studyId: string,
  id: string,
  options: { forUpdate?: boolean } = {},
): Promise<DashboardWithActor | null> {
  const query = tx
    .select({ row: dashboards, userName: users.name })
    .from(dashboards)
    .leftJoin(users, eq(users.id, dashboards.updatedBy))
    .where(
      and(
        eq(dashboards.orgId, orgId),
        eq(dashboards.studyId, studyId),
        eq(dashboards.id, id),
        isNull(dashboards.deletedAt),
      ),
    )
    .limit(1);
  const rows = options.forUpdate ? await query.for('update', { of: dashboards }) : await query;
  const found = rows[0];
  if (!found) return null;
  return {
    row: found.row,
    updatedBy: found.row.updatedBy ? { id: found.row.updatedBy, name: found.userName ?? '' } : null,
  };
}

export async function listDashboardVersions(tx: Tx, orgId: string, dashboardId: string) {
  return tx
    .select({ version: dashboardVersions, userName: users.name })
    .from(dashboardVersions)
    .leftJoin(users, eq(users.id, dashboardVersions.createdBy))
    .where(and(eq(dashboardVersions.orgId, orgId), eq(dashboardVersions.dashboardId, dashboardId)))
    .orderBy(desc(dashboardVersions.version));
}

export async function findDashboardVersion(tx: Tx, orgId: string, dashboardId: string, version: number) {
  const rows = await tx
    .select({ version: dashboardVersions, userName: users.name })
    .from(dashboardVersions)
    .leftJoin(users, eq(users.id, dashboardVersions.createdBy))
    .where(
      and(
        eq(dashboardVersions.orgId, orgId),
        eq(dashboardVersions.dashboardId, dashboardId),
        eq(dashboardVersions.version, version),
      ),
    )
    .limit(1);
  return rows[0] ?? null;
}
