import type { PhiClass } from '@cdp/contracts';
import {
  type Database,
  dashboards,
  phiSealedFiles,
  pipelineOutputDatasets,
  pipelineOutputs,
  type RawRow,
  rowOf,
  studies,
} from '@cdp/db';
import type { PipelineOutputsRead } from '../data/study-data.ts';
import type { PhiInputs } from '../phi/protect-version.ts';
import type { DashboardRow, DashboardWithActor } from './dashboards.repo.ts';
import type { StudyRow } from './studies.repo.ts';

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

/**
 * What a dashboard's data needs on every request, in ONE call of `app_dashboard_data` (migration
 * 0023, `Database.tenantCall`): the same rows, filtered the same way, as `findStudy`,
 * `findDashboard` (without the document), `readPhiInputs` and `readPipelineOutputs` read in four
 * round trips of a `tenant()` transaction. Every statement filters by organization itself;
 * row-level security applies again. PostgreSQL keeps the statements' plans per connection.
 */
export async function readDashboardData(
  database: Database,
  orgId: string,
  studyId: string,
  dashboardId: string,
): Promise<DashboardDataRead> {
  const read = await database.tenantCall('app_dashboard_data', orgId, [studyId, dashboardId]);
  const dashboardRaw = read.dashboard_row as RawRow | null;
  return {
    study: studyOf(read),
    dashboard: dashboardRaw ? headOf(dashboardRaw) : null,
    phi: phiOf(read),
    outputs: {
      rows: rowsIn(read.output_rows).map((r) => ({
        output: rowOf(pipelineOutputs, r),
        pipelineName: String(r.pipeline_name),
      })),
      datasets: rowsIn(read.output_dataset_rows).map((r) => rowOf(pipelineOutputDatasets, r)),
    },
  };
}

/**
 * The study with its PHI classification and sealed files, in ONE call of `app_study_phi`
 * (migration 0023): what `findStudy` and `readPhiInputs` read in two transactions.
 */
export async function readStudyPhi(
  database: Database,
  orgId: string,
  studyId: string,
): Promise<{ study: StudyRow | null; phi: PhiInputs }> {
  const read = await database.tenantCall('app_study_phi', orgId, [studyId]);
  return { study: studyOf(read), phi: phiOf(read) };
}

/** The `study_row` of a `tenantCall` answer, as `findStudy` reads it. */
export function studyOf(read: RawRow): StudyRow | null {
  const raw = read.study_row as RawRow | null;
  return raw ? rowOf(studies, raw) : null;
}

export function phiOf(read: RawRow): PhiInputs {
  return {
    classes: new Map(
      rowsIn(read.phi_rows).map((r) => [`${String(r.dataset)}\n${String(r.column)}`, r.classification as PhiClass]),
    ),
    sealedRows: rowsIn(read.sealed_rows).map((r) => rowOf(phiSealedFiles, r)),
  };
}

/** A JSON array of rows of a `tenantCall` answer (json_agg gives null for none; the functions coalesce). */
export function rowsIn(value: unknown): RawRow[] {
  return Array.isArray(value) ? (value as RawRow[]) : [];
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

/**
 * The study and its dashboards without their documents, by creation then name (as `listDashboards`
 * orders them), in ONE call of `app_study_dashboards` (migration 0023). The documents are kept per
 * saved version (`keptDocument`) and read only for a version not seen yet.
 */
export async function readStudyDashboards(
  database: Database,
  orgId: string,
  studyId: string,
): Promise<{ study: StudyRow | null; dashboards: DashboardHead[] }> {
  const read = await database.tenantCall('app_study_dashboards', orgId, [studyId]);
  return { study: studyOf(read), dashboards: rowsIn(read.dashboard_rows).map(headOf) };
}
