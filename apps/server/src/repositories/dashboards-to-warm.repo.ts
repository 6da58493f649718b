import type { Database } from '@cdp/db';
import { sql } from 'drizzle-orm';

/** A dashboard of a study with an active data version, in any organization. */
export interface DashboardToWarm {
  orgId: string;
  studyId: string;
  dashboardId: string;
}

/**
 * The dashboards most recently changed, across organizations, whose study has an active data
 * version: what a server warms after its start (`dashboards/warm-dashboards.ts`). A system read
 * of ids only; each dashboard is then read as its own organization's, through the tenant call.
 */
export async function dashboardsToWarm(database: Database, limit: number): Promise<DashboardToWarm[]> {
  return database.system(async (tx) => {
    const found = await tx.execute(sql`
      select d.org_id, d.study_id, d.id
      from dashboards d
      join studies s on s.id = d.study_id and s.org_id = d.org_id
      where d.deleted_at is null and s.active_data_version_id is not null and s.archived_at is null
      order by d.updated_at desc
      limit ${limit}`);
    return found.rows.map((r) => ({
      orgId: String(r.org_id),
      studyId: String(r.study_id),
      dashboardId: String(r.id),
    }));
  });
}

/**
 * One study's dashboards, the most recently changed first, when the study has an active data
 * version: what a server warms after an activation (`dashboards/activation-warm-up.ts`). Read as
 * the study's organization.
 */
export async function studyDashboardsToWarm(
  database: Database,
  orgId: string,
  studyId: string,
  limit: number,
): Promise<DashboardToWarm[]> {
  return database.tenant(orgId, async (tx) => {
    const found = await tx.execute(sql`
      select d.id
      from dashboards d
      join studies s on s.id = d.study_id and s.org_id = d.org_id
      where d.org_id = ${orgId} and d.study_id = ${studyId} and d.deleted_at is null
        and s.active_data_version_id is not null and s.archived_at is null
      order by d.updated_at desc
      limit ${limit}`);
    return found.rows.map((r) => ({ orgId, studyId, dashboardId: String(r.id) }));
  });
}
