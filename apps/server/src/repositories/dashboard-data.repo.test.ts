import { randomUUID } from 'node:crypto';
import {
  createDatabase,
  type Database,
  dashboards,
  phiColumns,
  pipelineOutputDatasets,
  pipelineOutputs,
  pipelineRuns,
  pipelines,
  TENANT_FUNCTIONS,
} from '@cdp/db';
import { buildOrganization, buildStudy, buildUser } from '@cdp/db/testing';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { testDatabase } from '../../test/test-database.ts';
import { readPipelineOutputs } from '../data/study-data.ts';
import { readPhiInputs } from '../phi/protect-version.ts';
import { readDashboardData, readDashboardRow, readStudyDashboards } from './dashboard-data.repo.ts';
import { findDashboard, listDashboards } from './dashboards.repo.ts';
import { findStudy } from './studies.repo.ts';

/*
 * `readDashboardData` reads in one call of a PL/pgSQL function (migration 0023) what four drizzle
 * reads of a `tenant()` transaction read: it must give exactly their rows (types included), nothing
 * of another organization, and leave the pooled connection as it found it. The same for the
 * dashboards list's read (`readStudyDashboards`).
 */

let database: Database;
let orgId: string;
let studyId: string;
let dashboardId: string;
let otherOrgId: string;

const TRIGGERS = { onSourceActivation: false, schedule: null, afterUpstream: false };

/** A pipeline with two outputs, the older first: only the newer one is the pipeline's latest. */
async function pipelineWithOutputs(name: string) {
  await database.system(async (tx) => {
    const [pipeline] = await tx
      .insert(pipelines)
      .values({
        orgId,
        studyId,
        name,
        kind: 'dsl',
        body: {},
        inputs: [],
        outputs: ['ADSL'],
        triggers: TRIGGERS,
        version: 1,
      })
      .returning();
    if (!pipeline) throw new Error('no pipeline');
    for (const [i, createdAt] of [new Date('2026-01-01T00:00:00Z'), new Date('2026-02-01T10:20:30.123Z')].entries()) {
      const [run] = await tx
        .insert(pipelineRuns)
        .values({ orgId, studyId, pipelineId: pipeline.id, pipelineVersion: 1, status: 'SUCCEEDED', trigger: 'manual' })
        .returning();
      if (!run) throw new Error('no run');
      const outputId = randomUUID();
      await tx.insert(pipelineOutputs).values({
        id: outputId,
        orgId,
        studyId,
        pipelineId: pipeline.id,
        pipelineVersion: 1,
        runId: run.id,
        upstreamOutputIds: [],
        label: `${name}_${i}`,
        createdAt,
      });
      await tx.insert(pipelineOutputDatasets).values({
        orgId,
        studyId,
        outputId,
        name: 'ADSL',
        label: 'Subject level',
        rows: 254 + i,
        columns: [{ name: 'USUBJID', label: 'Subject', type: 'string', length: 20, format: null }],
        file: 'adsl.parquet',
        sha256: 'a'.repeat(64),
        bytes: 1024,
      });
    }
  });
}

beforeAll(async () => {
  database = createDatabase({ connectionString: testDatabase().appUrl, max: 1 });
  const org = await buildOrganization(database);
  orgId = org.id;
  otherOrgId = (await buildOrganization(database)).id;
  const user = await buildUser(database, { orgId, role: 'study_manager', passwordHash: 'x' });
  studyId = (await buildStudy(database, { orgId, plannedEnrollment: 300, plannedEnrollmentStart: '2026-01-05' })).id;
  const [dashboard] = await database.system((tx) =>
    tx
      .insert(dashboards)
      .values({ orgId, studyId, name: 'Overview', document: { pages: [] }, version: 3, updatedBy: user.id })
      .returning(),
  );
  if (!dashboard) throw new Error('no dashboard');
  dashboardId = dashboard.id;
  await database.system((tx) =>
    tx.insert(phiColumns).values([
      { orgId, studyId, dataset: 'DM', column: 'BRTHDTC', classification: 'phi' },
      { orgId, studyId, dataset: 'DM', column: 'AGE', classification: 'sensitive' },
    ]),
  );
  await pipelineWithOutputs('Derive ADSL');
  await pipelineWithOutputs('Derive again');
});
afterAll(() => database.close());

describe('readDashboardData', () => {
  it('reads in one round trip exactly what the drizzle reads of a tenant transaction read', async () => {
    const expected = await database.tenant(orgId, async (tx) => ({
      study: await findStudy(tx, { orgId }, studyId),
      dashboard: await findDashboard(tx, orgId, studyId, dashboardId),
      phi: await readPhiInputs(tx, orgId, studyId),
      outputs: await readPipelineOutputs(tx, orgId, studyId),
    }));
    const read = await readDashboardData(database, orgId, studyId, dashboardId);
    expect(read.study).toEqual(expected.study);
    expect(read.study?.createdAt).toBeInstanceOf(Date);
    expect(read.study?.plannedEnrollmentStart).toBe('2026-01-05');
    // The dashboard without its document (kept parsed per version), and whole when asked.
    if (!expected.dashboard) throw new Error('no dashboard found');
    const { document, ...head } = expected.dashboard.row;
    expect(read.dashboard).toEqual({ row: head, updatedBy: expected.dashboard.updatedBy });
    expect(read.dashboard?.updatedBy?.name).toMatch(/\S/);
    expect(await readDashboardRow(database, orgId, studyId, dashboardId)).toEqual(expected.dashboard);
    expect(document).toEqual({ pages: [] });
    expect([...read.phi.classes]).toEqual([...expected.phi.classes]);
    expect(read.phi.classes.size).toBe(2);
    expect(read.phi.sealedRows).toEqual(expected.phi.sealedRows);
    const byPipeline = (rows: typeof read.outputs.rows) =>
      [...rows].sort((a, b) => a.output.pipelineId.localeCompare(b.output.pipelineId));
    expect(byPipeline(read.outputs.rows)).toEqual(byPipeline(expected.outputs.rows));
    // Two pipelines, each with its newer output only (created 2026-02-01), and those outputs' datasets.
    expect(read.outputs.rows.map((r) => r.output.createdAt.toISOString())).toEqual([
      '2026-02-01T10:20:30.123Z',
      '2026-02-01T10:20:30.123Z',
    ]);
    const byId = (rows: typeof read.outputs.datasets) => [...rows].sort((a, b) => a.id.localeCompare(b.id));
    expect(byId(read.outputs.datasets)).toEqual(byId(expected.outputs.datasets));
    expect(read.outputs.datasets.map((d) => d.rows)).toEqual([255, 255]);
  });

  it('finds nothing of another organization, even with the right ids', async () => {
    const read = await readDashboardData(database, otherOrgId, studyId, dashboardId);
    expect(read.study).toBeNull();
    expect(read.dashboard).toBeNull();
    expect(await readDashboardRow(database, otherOrgId, studyId, dashboardId)).toBeNull();
    expect(read.phi.classes.size).toBe(0);
    expect(read.outputs.rows).toEqual([]);
    expect(read.outputs.datasets).toEqual([]);
  });
});

describe('readStudyDashboards', () => {
  it('reads the study and the dashboards without documents, as the drizzle reads do, and nothing of another organization', async () => {
    await database.system((tx) =>
      tx.insert(dashboards).values([
        { orgId, studyId, name: 'Gone', document: { pages: [] }, version: 1, deletedAt: new Date() },
        { orgId, studyId, name: 'Safety', document: { pages: [] }, version: 1 },
      ]),
    );
    const expected = await database.tenant(orgId, async (tx) => ({
      study: await findStudy(tx, { orgId }, studyId),
      dashboards: await listDashboards(tx, orgId, studyId),
    }));
    const read = await readStudyDashboards(database, orgId, studyId);
    expect(read.study).toEqual(expected.study);
    expect(read.dashboards).toEqual(
      expected.dashboards.map(({ row: { document: _document, ...row }, updatedBy }) => ({ row, updatedBy })),
    );
    expect(read.dashboards.map((d) => d.row.name)).toEqual(['Overview', 'Safety']);
    const other = await readStudyDashboards(database, otherOrgId, studyId);
    expect(other).toEqual({ study: null, dashboards: [] });
  });
});

describe('Database.tenantCall', () => {
  it('calls functions that run as the caller, under row-level security, and refuses a bad call naming it', async () => {
    const { rows } = await database.pool.query<{ name: string; definer: boolean; bypass: boolean }>(
      `select p.proname as name, p.prosecdef as definer,
              (select rolbypassrls from pg_roles where rolname = current_user) as bypass
         from pg_proc p where p.proname = any($1::text[]) order by 1`,
      [Object.keys(TENANT_FUNCTIONS)],
    );
    expect(rows.map((r) => r.name)).toEqual(Object.keys(TENANT_FUNCTIONS).sort());
    expect(rows.every((r) => !r.definer && !r.bypass)).toBe(true);
    await expect(database.tenantCall('app_study_versions', 'not-a-uuid', [studyId])).rejects.toThrow(
      /organization is not a UUID/,
    );
    await expect(database.tenantCall('app_study_versions', orgId, [])).rejects.toThrow(/takes 1 arguments/);
  });

  it('leaves the connection clean: the tenant setting ends with the call, a failed call leaves nothing open', async () => {
    // The pool holds one connection, so every call below runs on the same one.
    await expect(database.tenantCall('app_study_versions', orgId, ['x'])).rejects.toThrow(/uuid/);
    expect((await database.tenantCall('app_visible_studies', orgId, [[studyId]])).study_rows).toEqual([
      expect.objectContaining({ id: studyId, org_id: orgId }),
    ]);
    const after = await database.pool.query<{ org: string | null; open: string }>(
      "select current_setting('app.org_id', true) as org, txid_current_if_assigned() as open",
    );
    expect(after.rows[0]?.org ?? '').toBe('');
    expect(after.rows[0]?.open).toBeNull();
  });
});

describe('Database.tenantReads', () => {
  it('inlines UUIDs only, and names what is wrong', async () => {
    await expect(database.tenantReads(orgId, ['select :studyId'], { studyId: "x' or true --" })).rejects.toThrow(
      /studyId is not a UUID/,
    );
    await expect(database.tenantReads('not-a-uuid', ['select 1'], {})).rejects.toThrow(/orgId is not a UUID/);
    await expect(database.tenantReads(orgId, ['select :missing'], {})).rejects.toThrow(/no value for :missing/);
    // A cast is not a placeholder.
    const [rows] = await database.tenantReads(orgId, ['select :studyId::text as id, 1::int as one'], { studyId });
    expect(rows).toEqual([{ id: studyId, one: 1 }]);
  });

  it('leaves the connection clean: the tenant setting ends with the read, a failed read is rolled back', async () => {
    // The pool holds one connection, so every call below runs on the same one.
    await expect(database.tenantReads(orgId, ['select 1/0'], {})).rejects.toThrow(/division by zero/);
    const [state] = await database.tenantReads(orgId, ["select current_setting('app.org_id') as org"], {});
    expect(state).toEqual([{ org: orgId }]);
    const after = await database.pool.query<{ org: string | null; open: string }>(
      "select current_setting('app.org_id', true) as org, txid_current_if_assigned() as open",
    );
    expect(after.rows[0]?.org ?? '').toBe('');
    expect(after.rows[0]?.open).toBeNull();
  });
});
