import type { Tx } from '@cdp/db';
import { sql } from 'drizzle-orm';

/*
 * What the home page shows per study, read in a few set-based queries over all the listed studies
 * at once (never one query per study). Every query filters by the organization; row-level
 * security enforces it again.
 */

export type ActiveVersionRow = {
  studyId: string;
  id: string;
  label: string;
  kind: 'upload' | 'demo';
  fileName: string;
  loadedAt: Date;
  loadedBy: string | null;
  activatedAt: Date | null;
  activatedBy: string | null;
};

export type UploadEventRow = {
  studyId: string;
  at: Date;
  by: string | null;
  fileName: string;
  outcome: 'loaded' | 'failed';
  message: string | null;
  /** Failed after the study's latest successful upload: still an open problem. */
  open: boolean;
};

export type ActivityRow = {
  studyId: string;
  at: Date;
  by: string | null;
  kind: 'version_loaded' | 'version_activated' | 'upload_failed' | 'dashboard_saved';
  subject: string;
  detail: string | null;
};

export type DatasetFileRow = {
  studyId: string;
  versionId: string;
  label: string;
  name: 'DM' | 'ADSL';
  file: string;
  orgId: string;
  columns: { name: string; type: string }[];
};

const ids = (studyIds: string[]) =>
  sql`array[${sql.join(
    studyIds.map((id) => sql`${id}::uuid`),
    sql`, `,
  )}]::uuid[]`;

/** Each study's active version, who loaded it and when it last became active (an activation or roll back). */
export async function activeVersions(tx: Tx, orgId: string, studyIds: string[]): Promise<ActiveVersionRow[]> {
  if (studyIds.length === 0) return [];
  const { rows } = await tx.execute<ActiveVersionRow>(sql`
    select s.id as "studyId", v.id, v.label, v.kind, v.source_file_name as "fileName",
           v.created_at as "loadedAt", lu.name as "loadedBy",
           coalesce(act.created_at, v.created_at) as "activatedAt",
           case when act.created_at is null then lu.name else au.name end as "activatedBy"
      from studies s
      join data_versions v on v.id = s.active_data_version_id and v.org_id = s.org_id
      left join users lu on lu.id = v.created_by
      left join lateral (
        select e.created_at, e.actor_id from audit_events e
         where e.org_id = s.org_id and e.action in ('data_version.activated', 'data_version.rolled_back')
           and e.resource_id = s.id::text and e.new_values ->> 'activeVersionId' = v.id::text
         order by e.seq desc limit 1
      ) act on true
      left join users au on au.id::text = act.actor_id
     where s.org_id = ${orgId} and s.id = any(${ids(studyIds)})`);
  return rows;
}

/**
 * Upload attempts, newest first per study: versions loaded and uploads that failed. A failure is
 * open while no later upload of its study succeeded.
 */
export async function uploadEvents(tx: Tx, orgId: string, studyIds: string[]): Promise<UploadEventRow[]> {
  if (studyIds.length === 0) return [];
  const { rows } = await tx.execute<UploadEventRow>(sql`
    with latest as (
      select study_id, max(created_at) as at from data_versions
       where org_id = ${orgId} and study_id = any(${ids(studyIds)}) group by study_id
    ), events as (
      select v.study_id, v.created_at as at, u.name as by, v.source_file_name as file_name,
             'loaded' as outcome, null as message
        from data_versions v left join users u on u.id = v.created_by
       where v.org_id = ${orgId} and v.study_id = any(${ids(studyIds)})
      union all
      select f.study_id, f.created_at, u.name, f.file_name, 'failed', f.message
        from upload_failures f left join users u on u.id = f.created_by
       where f.org_id = ${orgId} and f.study_id = any(${ids(studyIds)})
    )
    select e.study_id as "studyId", e.at, e.by, e.file_name as "fileName", e.outcome, e.message,
           (e.outcome = 'failed' and (l.at is null or e.at > l.at)) as open
      from events e left join latest l on l.study_id = e.study_id
     order by e.study_id, e.at desc`);
  return rows;
}

/** The latest data and dashboard events of each study (at most `perStudy`), newest first. */
export async function studyActivity(
  tx: Tx,
  orgId: string,
  /** Studies whose data events the actor may see, and those whose dashboard events. */
  scope: { data: string[]; dashboards: string[] },
  perStudy: number,
): Promise<ActivityRow[]> {
  if (scope.data.length === 0 && scope.dashboards.length === 0) return [];
  const studyIds = scope.data.length > 0 ? scope.data : ['00000000-0000-0000-0000-000000000000'];
  const dashboardStudyIds = scope.dashboards.length > 0 ? scope.dashboards : ['00000000-0000-0000-0000-000000000000'];
  const { rows } = await tx.execute<ActivityRow>(sql`
    with events as (
      select v.study_id, v.created_at as at, u.name as by, 'version_loaded' as kind,
             v.label as subject, v.source_file_name as detail
        from data_versions v left join users u on u.id = v.created_by
       where v.org_id = ${orgId} and v.study_id = any(${ids(studyIds)})
      union all
      select e.resource_id::uuid, e.created_at, u.name, 'version_activated',
             e.new_values ->> 'label', e.action
        from audit_events e left join users u on u.id::text = e.actor_id
       where e.org_id = ${orgId} and e.action in ('data_version.activated', 'data_version.rolled_back')
         and e.resource_type = 'study' and e.resource_id = any(${sql`array[${sql.join(
           studyIds.map((id) => sql`${id}`),
           sql`, `,
         )}]::text[]`})
      union all
      select f.study_id, f.created_at, u.name, 'upload_failed', f.file_name, f.message
        from upload_failures f left join users u on u.id = f.created_by
       where f.org_id = ${orgId} and f.study_id = any(${ids(studyIds)})
      union all
      select d.study_id, dv.created_at, u.name, 'dashboard_saved', dv.name, dv.version::text
        from dashboard_versions dv join dashboards d on d.id = dv.dashboard_id and d.org_id = dv.org_id
        left join users u on u.id = dv.created_by
       where dv.org_id = ${orgId} and d.study_id = any(${ids(dashboardStudyIds)})
    ), ranked as (
      select *, row_number() over (partition by study_id order by at desc) as n from events
    )
    select study_id as "studyId", at, by, kind, subject, detail from ranked
     where n <= ${perStudy} order by study_id, at desc`);
  return rows;
}

/** The DM and ADSL files of each study's active version, for counting subjects. */
export async function subjectDatasets(tx: Tx, orgId: string, studyIds: string[]): Promise<DatasetFileRow[]> {
  if (studyIds.length === 0) return [];
  const { rows } = await tx.execute<DatasetFileRow>(sql`
    select s.id as "studyId", s.org_id as "orgId", v.id as "versionId", v.label, d.name, d.file, d.columns
      from studies s
      join data_versions v on v.id = s.active_data_version_id and v.org_id = s.org_id
      join datasets d on d.version_id = v.id and d.org_id = v.org_id and upper(d.name) in ('DM', 'ADSL')
     where s.org_id = ${orgId} and s.id = any(${ids(studyIds)})`);
  return rows.map((r) => ({ ...r, name: r.name.toUpperCase() as DatasetFileRow['name'] }));
}
