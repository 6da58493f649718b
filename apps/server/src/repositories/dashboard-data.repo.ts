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
import type { PipelineOutputsRead } from '../data/study-data.ts';
import type { PhiInputs } from '../phi/protect-version.ts';
import type { DashboardWithActor } from './dashboards.repo.ts';
import type { StudyRow } from './studies.repo.ts';

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
  `select d.*, u.name as updated_by_name from dashboards d left join users u on u.id = d.updated_by
    where d.org_id = :orgId and d.study_id = :studyId and d.id = :dashboardId and d.deleted_at is null limit 1`,
  'select dataset, "column", classification from phi_columns where org_id = :orgId and study_id = :studyId',
  'select * from phi_sealed_files where org_id = :orgId and study_id = :studyId',
  LATEST_OUTPUTS,
  `select * from pipeline_output_datasets
    where org_id = :orgId and output_id in (select id from (${LATEST_OUTPUTS}) latest)`,
];

export interface DashboardDataRead {
  study: StudyRow | null;
  dashboard: DashboardWithActor | null;
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
  const dashboard = dashboardRaw ? rowOf(dashboards, dashboardRaw) : null;
  return {
    study: studyRaw ? rowOf(studies, studyRaw) : null,
    dashboard: dashboard && {
      row: dashboard,
      updatedBy: dashboard.updatedBy
        ? { id: dashboard.updatedBy, name: String(dashboardRaw?.updated_by_name ?? '') }
        : null,
    },
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
