import type { PhiClass } from '@cdp/contracts';
import {
  type Database,
  dashboards,
  phiSealedFiles,
  pipelineOutputDatasets,
  pipelineOutputs,
  rowOf,
  studies,
} from '@cdp/db';
import { getTableColumns } from 'drizzle-orm';
import type { PipelineOutputsRead } from '../data/study-data.ts';
import type { PhiInputs } from '../phi/protect-version.ts';
import type { DashboardRow, DashboardWithActor } from './dashboards.repo.ts';
import type { StudyRow } from './studies.repo.ts';

/**
 * The dashboard's columns but its document: a saved version's document never changes and is kept
 * parsed (`policies/dashboard-data.ts`), so it is read only when not known yet (`readDashboardRow`).
 * Parsing a 12-widget document's JSON on every request was a visible share of a warm answer.
 */
const DASHBOARD_HEAD = Object.values(getTableColumns(dashboards))
  .filter((c) => c.name !== 'document')
  .map((c) => `d.${c.name}`)
  .join(', ');

/** Each pipeline's latest output of the study (as `readPipelineOutputs` picks them). */
const LATEST_OUTPUTS = `select distinct on (o.pipeline_id) o.*, p.name as pipeline_name
  from pipeline_outputs o join pipelines p on p.id = o.pipeline_id
  where o.org_id = :orgId and o.study_id = :studyId
  order by o.pipeline_id, o.created_at desc`;

/**
 * What a dashboard's data needs on every request, read in ONE round trip (`Database.tenantReads`):
 * the same rows, filtered the same way, as `findStudy`, `findDashboard`, `readPhiInputs` and
 * `readPipelineOutputs` read in four round trips of a `tenant()` transaction (plus BEGIN and
 * COMMIT). Every statement filters by organization itself; row-level security applies again.
 */
const STATEMENTS = [
  'select * from studies where org_id = :orgId and id = :studyId limit 1',
  `select ${DASHBOARD_HEAD}, u.name as updated_by_name from dashboards d left join users u on u.id = d.updated_by
    where d.org_id = :orgId and d.study_id = :studyId and d.id = :dashboardId and d.deleted_at is null limit 1`,
  'select dataset, "column", classification from phi_columns where org_id = :orgId and study_id = :studyId',
  'select * from phi_sealed_files where org_id = :orgId and study_id = :studyId',
  LATEST_OUTPUTS,
  `select * from pipeline_output_datasets
    where org_id = :orgId and output_id in (select id from (${LATEST_OUTPUTS}) latest)`,
];

/** A dashboard found without its document (`readDashboardData`); `readDashboardRow` reads it whole. */
export interface DashboardHead {
  row: Omit<DashboardRow, 'document'>;
  updatedBy: DashboardWithActor['updatedBy'];
}

export interface DashboardDataRead {
  study: StudyRow | null;
  dashboard: DashboardHead | null;
  phi: PhiInputs;
  outputs: PipelineOutputsRead;
}

export async function readDashboardData(
  database: Database,
  orgId: string,
  studyId: string,
  dashboardId: string,
): Promise<DashboardDataRead> {
  const [studyRows, dashboardRows, phiRows, sealedRows, outputRows, datasetRows] = await database.tenantReads(
    orgId,
    STATEMENTS,
    { studyId, dashboardId },
  );
  const studyRaw = studyRows?.[0];
  const dashboardRaw = dashboardRows?.[0];
  return {
    study: studyRaw ? rowOf(studies, studyRaw) : null,
    dashboard: dashboardRaw ? headOf(dashboardRaw) : null,
    phi: {
      classes: new Map(
        (phiRows ?? []).map((r) => [`${String(r.dataset)}\n${String(r.column)}`, r.classification as PhiClass]),
      ),
      sealedRows: (sealedRows ?? []).map((r) => rowOf(phiSealedFiles, r)),
    },
    outputs: {
      rows: (outputRows ?? []).map((r) => ({
        output: rowOf(pipelineOutputs, r),
        pipelineName: String(r.pipeline_name),
      })),
      datasets: (datasetRows ?? []).map((r) => rowOf(pipelineOutputDatasets, r)),
    },
  };
}

function dashboardOf(raw: Record<string, unknown>): DashboardWithActor {
  const row = rowOf(dashboards, raw);
  return { row, updatedBy: row.updatedBy ? { id: row.updatedBy, name: String(raw.updated_by_name ?? '') } : null };
}

function headOf(raw: Record<string, unknown>): DashboardHead {
  const { row, updatedBy } = dashboardOf(raw);
  const { document: _document, ...head } = row;
  return { row: head, updatedBy };
}

/** The dashboard whole, document included (as `findDashboard` reads it), in one round trip. */
export async function readDashboardRow(
  database: Database,
  orgId: string,
  studyId: string,
  dashboardId: string,
): Promise<DashboardWithActor | null> {
  const [rows] = await database.tenantReads(
    orgId,
    [
      `select d.*, u.name as updated_by_name from dashboards d left join users u on u.id = d.updated_by
        where d.org_id = :orgId and d.study_id = :studyId and d.id = :dashboardId and d.deleted_at is null limit 1`,
    ],
    { studyId, dashboardId },
  );
  const raw = rows?.[0];
  return raw ? dashboardOf(raw) : null;
}
