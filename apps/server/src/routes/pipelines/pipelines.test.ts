import { createHash } from 'node:crypto';
import { readdir, readFile } from 'node:fs/promises';
import path from 'node:path';
import type { DatasetLineage, Pipeline, PipelineOutputVersion, PipelineRunDetail } from '@cdp/contracts';
import { buildZip, sharedData } from '@cdp/formats/testing';
import { DuckDBInstance } from '@duckdb/node-api';
import pg from 'pg';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { multipartFile, type Session, startTestApp, type Tenant, type TestApp } from '../../../test/harness.ts';
import { FAIL_ONCE, testEngine } from '../../../test/pipeline-test-engine.ts';
import { testDatabase } from '../../../test/test-database.ts';
import { startWorker, type Worker } from '../../jobs/queue.ts';
import type { AppContext } from '../../lib/context.ts';
import { holdRunLock, RUN_ID } from '../../lib/process-run.ts';
import { studyDir } from '../../lib/study-folders.ts';
import { PIPELINE_ENGINE } from '../../phi/protect-version.ts';
import { claimRun } from '../../pipelines/claim-run.ts';
import { registerEngine } from '../../pipelines/executors.ts';
import { recoverInterruptedRuns } from '../../pipelines/recover-runs.ts';
import { readInputs, resolveInputs } from '../../pipelines/resolve-inputs.ts';
import { runPipeline } from '../../pipelines/run-pipeline.ts';
import { runState } from '../../pipelines/run-state.ts';
import { fireSchedules, lastOccurrence } from '../../pipelines/triggers.ts';
import { presentLogLine } from '../../presenters/pipeline.ts';
import { findRun, runLog } from '../../repositories/pipelines.repo.ts';

/*
 * The pipelines runtime end to end on real PostgreSQL, a real pg-boss worker and real DuckDB over
 * the CDISC pilot's DM and AE (uploaded as a ZIP): definitions and their versions, runs as jobs
 * with progress, log, events, cancel, retries and recovery, output versions read through the
 * dataset viewer and checked against plain SQL computed here, lineage, chaining and triggers.
 * The engine is a test engine (tests/pipeline-test-engine.ts: steps of DuckDB SQL), so these tests
 * cover the runtime, not a language.
 */

const SDTM = sharedData('cdiscpilot01', 'sdtm-original');
const DM_DEF = {
  kind: 'sql' as const,
  inputs: [{ name: 'DM', source: { kind: 'dataset' as const, dataset: 'DM' } }],
  outputs: ['dm_safety'],
};
const SAFETY_SQL = `SELECT USUBJID, ARM, AGE, SEX FROM DM WHERE ARM <> 'Screen Failure'`;

let t: TestApp;
let tenant: Tenant;
let manager: Session;
let studyId: string;
let worker: Worker;
let releaseLock: () => Promise<void>;
let restoreEngine: () => void;
let sql: (query: string) => Promise<unknown[][]>;
let closeDuck: () => void;

async function until<T>(what: string, probe: () => Promise<T | undefined | null | false>, ms = 60_000): Promise<T> {
  const end = Date.now() + ms;
  for (;;) {
    const value = await probe();
    if (value) return value;
    if (Date.now() > end) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 150));
  }
}

async function create(name: string, body: unknown, extra: Record<string, unknown> = {}) {
  return t.request(manager, {
    method: 'POST',
    url: `/api/studies/${studyId}/pipelines`,
    payload: { ...DM_DEF, name, body, ...extra },
  });
}

async function createOk(name: string, body: unknown, extra: Record<string, unknown> = {}): Promise<Pipeline> {
  const res = await create(name, body, extra);
  expect(res.statusCode, res.body).toBe(201);
  return res.json().data;
}

async function run(pid: string): Promise<PipelineRunDetail> {
  const res = await t.request(manager, { method: 'POST', url: `/api/studies/${studyId}/pipelines/${pid}/runs` });
  expect(res.statusCode, res.body).toBe(202);
  return res.json().data;
}

async function getRun(pid: string, rid: string): Promise<PipelineRunDetail> {
  const res = await t.request(manager, { method: 'GET', url: `/api/studies/${studyId}/pipelines/${pid}/runs/${rid}` });
  expect(res.statusCode, res.body).toBe(200);
  return res.json().data;
}

async function finished(pid: string, rid: string): Promise<PipelineRunDetail> {
  return until(`run ${rid} to end`, async () => {
    const r = await getRun(pid, rid);
    return ['SUCCEEDED', 'FAILED', 'CANCELLED'].includes(r.status) ? r : null;
  });
}

beforeAll(async () => {
  t = await startTestApp({}, { reuseConversions: true });
  // Other test files' workers recover runs of dead processes: this one is alive, and says so.
  releaseLock = await holdRunLock(testDatabase().appUrl);
  restoreEngine = registerEngine('sql', testEngine);
  tenant = await t.tenant();
  studyId = tenant.study.id;
  manager = await tenant.as('study_manager');
  const zip = buildZip(
    await Promise.all(
      ['dm.xpt', 'ae.xpt'].map(async (name) => ({ name, data: await readFile(path.join(SDTM, name)) })),
    ),
  );
  const upload = await t.request(manager, {
    method: 'POST',
    url: `/api/studies/${studyId}/uploads`,
    ...multipartFile('sdtm.zip', zip),
  });
  expect(upload.statusCode, upload.body).toBe(201);
  const { rows } = await t.admin.query(
    `select d.file, v.label from datasets d join data_versions v on v.id = d.version_id where d.study_id = $1 and d.name = 'DM'`,
    [studyId],
  );
  const dm = path.join(
    studyDir(t.ctx.config.dataDir, tenant.org.id, studyId),
    'source_data',
    rows[0].label,
    rows[0].file,
  );
  const instance = await DuckDBInstance.create(':memory:');
  const connection = await instance.connect();
  await connection.run(`CREATE VIEW dm AS SELECT * FROM read_parquet('${dm}')`);
  sql = async (query) => (await connection.runAndReadAll(query)).getRowsJson() as unknown[][];
  closeDuck = () => {
    connection.closeSync();
    instance.closeSync();
  };
  worker = await startWorker(t.ctx, testDatabase().appUrl);
}, 120_000);

afterAll(async () => {
  await worker?.stop();
  restoreEngine?.();
  closeDuck?.();
  await releaseLock?.();
  await t?.close();
});

describe('pipeline definitions', () => {
  it('are checked at save against the data, step by step, and versioned like dashboards', async () => {
    const bad = await create('Broken', { steps: [{ sql: 'SELECT NOSUCH FROM DM' }], output: 'dm_safety' });
    expect(bad.statusCode).toBe(400);
    expect(bad.json().error.details.issues[0].path).toBe('body.steps[0].sql');
    expect(bad.json().error.message).toContain('NOSUCH');
    const unknown = await create(
      'No such dataset',
      { steps: [{ sql: 'SELECT 1' }], output: 'dm_safety' },
      { inputs: [{ name: 'LB', source: { kind: 'dataset', dataset: 'LB' } }] },
    );
    expect(unknown.statusCode).toBe(400);
    expect(unknown.json().error.details.issues[0]).toMatchObject({ path: 'inputs[0].source.dataset' });
    const wrongOutput = await create('Wrong output', { steps: [{ sql: SAFETY_SQL }], output: 'other' });
    expect(wrongOutput.statusCode).toBe(400);
    expect(wrongOutput.json().error.details.issues[0].path).toBe('outputs[0]');
    const badCron = await create(
      'Bad cron',
      { steps: [{ sql: SAFETY_SQL }], output: 'dm_safety' },
      { triggers: { schedule: { cron: '61 * * * *', timeZone: 'Europe/Berlin' } } },
    );
    expect(badCron.statusCode).toBe(400);
    expect(badCron.body).toContain('triggers.schedule.cron');

    const created = await createOk('Safety DM', { steps: [{ sql: SAFETY_SQL }], output: 'dm_safety' });
    expect(created).toMatchObject({ version: 1, kind: 'sql', lastRun: null, outputs: ['dm_safety'] });
    const url = `/api/studies/${studyId}/pipelines/${created.id}`;
    const save = (version: number, sqlText: string) =>
      t.request(manager, {
        method: 'PUT',
        url,
        payload: { ...DM_DEF, name: 'Safety DM', body: { steps: [{ sql: sqlText }], output: 'dm_safety' }, version },
      });
    const v2 = await save(1, `${SAFETY_SQL} AND AGE >= 18`);
    expect(v2.statusCode, v2.body).toBe(200);
    expect(v2.json().data.version).toBe(2);
    const stale = await save(1, SAFETY_SQL);
    expect(stale.statusCode).toBe(409);
    expect(stale.json().error).toMatchObject({ code: 'CONFLICT', details: { currentVersion: 2 } });
    const invalid = await save(2, 'SELECT NOSUCH FROM DM');
    expect(invalid.statusCode).toBe(400);

    const versions = (await t.request(manager, { method: 'GET', url: `${url}/versions` })).json().data;
    expect(versions.map((v: { version: number }) => v.version)).toEqual([2, 1]);
    const diff = (await t.request(manager, { method: 'GET', url: `${url}/diff?from=1&to=2` })).json();
    expect(diff.changes).toEqual([
      { path: 'body.steps[0].sql', change: 'changed', from: SAFETY_SQL, to: `${SAFETY_SQL} AND AGE >= 18` },
    ]);
    const restored = await t.request(manager, {
      method: 'POST',
      url: `${url}/versions/1/restore`,
      payload: { version: 2 },
    });
    expect(restored.statusCode, restored.body).toBe(200);
    expect(restored.json().data).toMatchObject({ version: 3, body: { steps: [{ sql: SAFETY_SQL }] } });

    const { rows } = await t.admin.query(`select action from audit_events where resource_id = $1 order by seq`, [
      created.id,
    ]);
    expect(rows.map((r) => r.action)).toEqual(['pipeline.created', 'pipeline.updated', 'pipeline.restored']);
    // A saved version is immutable, even to the database owner's application role.
    await expect(
      t.database.tenant(tenant.org.id, (tx) => tx.execute(`update pipeline_versions set name = 'x'` as never)),
    ).rejects.toThrow();
  });

  it('refuse a cycle between chained pipelines, naming it', async () => {
    const a = await createOk('Cycle A', { steps: [{ sql: SAFETY_SQL }], output: 'dm_safety' });
    const b = await createOk(
      'Cycle B',
      { steps: [{ sql: 'SELECT * FROM A' }], output: 'b_out' },
      {
        inputs: [{ name: 'A', source: { kind: 'pipeline', pipelineId: a.id, output: 'dm_safety' } }],
        outputs: ['b_out'],
      },
    );
    const res = await t.request(manager, {
      method: 'PUT',
      url: `/api/studies/${studyId}/pipelines/${a.id}`,
      payload: {
        ...DM_DEF,
        name: 'Cycle A',
        version: 1,
        body: { steps: [{ sql: 'SELECT * FROM B' }], output: 'dm_safety' },
        inputs: [{ name: 'B', source: { kind: 'pipeline', pipelineId: b.id, output: 'b_out' } }],
      },
    });
    expect(res.statusCode, res.body).toBe(400);
    expect(res.json().error.message).toContain('Cycle A → Cycle B → Cycle A');
  });

  it('lets viewers read but not configure or run', async () => {
    const scientist = await tenant.as('data_scientist');
    const list = await t.request(scientist, { method: 'GET', url: `/api/studies/${studyId}/pipelines` });
    expect(list.statusCode).toBe(200);
    expect(list.json().meta.permissions).toContain('pipeline:view:assigned');
    const pid = list.json().data[0].id;
    const runIt = await t.request(scientist, { method: 'POST', url: `/api/studies/${studyId}/pipelines/${pid}/runs` });
    expect(runIt.statusCode).toBe(403);
    expect(runIt.json().error.details.missingPermission).toBe('pipeline:execute:assigned');
  });
});

describe('pipeline runs', () => {
  it('run as a job: 202 QUEUED, a second run 409, progress and log live, an output version the viewer reads', async () => {
    const p = await createOk('Safety run', {
      steps: [{ sql: SAFETY_SQL, sleepMs: 600 }, { sql: 'SELECT * FROM step0 ORDER BY USUBJID' }],
      output: 'dm_safety',
    });
    // The queueing transaction wakes the workers for its job (a NOTIFY, delivered at its commit).
    const listener = new pg.Client({ connectionString: testDatabase().appUrl });
    await listener.connect();
    const woken: string[] = [];
    listener.on('notification', (n) => woken.push(`${n.channel} ${n.payload}`));
    await listener.query('listen cdp_jobs');
    const queued = await run(p.id);
    await until('the workers’ wake-up', async () => woken.length > 0);
    await listener.end();
    expect(woken).toContain('cdp_jobs pipelines.run');
    expect(queued).toMatchObject({ status: 'QUEUED', trigger: 'manual', pipelineVersion: 1 });
    // The answer comes from the inserts themselves; it says what the stored rows say, and the audit
    // event's label is the one the label look-up would give (computed here in plain SQL).
    const {
      rows: [stored],
    } = await t.admin.query(
      `select u.id as user_id, u.name as user_name, r.queued_at,
              p.name || ', run of ' || to_char(r.queued_at at time zone 'UTC', 'YYYY-MM-DD HH24:MI:SS') || ' UTC' as label,
              (select resource_label from audit_events where resource_id = r.id::text and action = 'pipeline_run.started') as audited,
              (select message from pipeline_run_logs where run_id = r.id and seq = 1) as first_line
       from pipeline_runs r join users u on u.id = r.requested_by join pipelines p on p.id = r.pipeline_id
       where r.id = $1`,
      [queued.id],
    );
    expect(queued.requestedBy).toEqual({ id: stored.user_id, name: stored.user_name });
    expect(queued.queuedAt).toBe(new Date(stored.queued_at).toISOString());
    expect(queued.log.map((l) => [l.seq, l.message])).toEqual([[1, stored.first_line]]);
    expect(stored.audited).toBe(stored.label);
    const again = await t.request(manager, { method: 'POST', url: `/api/studies/${studyId}/pipelines/${p.id}/runs` });
    expect(again.statusCode).toBe(409);
    expect(again.json().error.details.activeRunId).toBe(queued.id);

    // The event stream follows the run to its end (any API process can: it reads the rows).
    const events = await t.request(manager, {
      method: 'GET',
      url: `/api/studies/${studyId}/pipelines/${p.id}/runs/${queued.id}/events`,
    });
    expect(events.statusCode).toBe(200);
    expect(events.headers['content-type']).toContain('text/event-stream');
    const blocks = events.body.split('\n\n').filter(Boolean);
    const kinds = blocks.map((b) => /event: (\w+)/.exec(b)?.[1]);
    expect(kinds.at(-1)).toBe('end');
    expect(kinds).toContain('log');
    const runs = blocks
      .filter((b) => b.includes('event: run'))
      .map((b) => JSON.parse(b.slice(b.indexOf('data: ') + 6)) as PipelineRunDetail);
    expect(runs.some((r) => r.status === 'RUNNING')).toBe(true);
    expect(runs.at(-1)?.status).toBe('SUCCEEDED');
    expect(events.body).toMatch(/step 1: \d+ rows out/);

    const done = await getRun(p.id, queued.id);
    expect(done).toMatchObject({ status: 'SUCCEEDED', attempts: 1, error: null, progress: { percent: 100, steps: 2 } });
    // The page and the stream find the run in one read, deciding as before: the study (404), its
    // permission, then the pipeline of that study and the run of that pipeline (404 each).
    const other = await createOk('Other', { steps: [{ sql: SAFETY_SQL }], output: 'dm_safety' });
    const unknown = '00000000-0000-4000-8000-000000000000';
    for (const [url, missing] of [
      [`/api/studies/${unknown}/pipelines/${p.id}/runs/${queued.id}`, 'Study'],
      [`/api/studies/${studyId}/pipelines/${other.id}/runs/${queued.id}`, 'Pipeline run'],
      [`/api/studies/${studyId}/pipelines/${unknown}/runs/${queued.id}`, 'Pipeline'],
      [`/api/studies/${studyId}/pipelines/${p.id}/runs/${unknown}/events`, 'Pipeline run'],
    ]) {
      const res = await t.request(manager, { method: 'GET', url });
      expect([res.statusCode, res.json().error.message], url).toEqual([404, `${missing} not found.`]);
    }
    expect(done.outputVersionId).toBeTruthy();
    expect(done.log.map((l) => l.seq)).toEqual(done.log.map((_, i) => i + 1));
    // The run's state as its stream reads it (one round trip of plain SQL) is what drizzle reads.
    for (const after of [0, 2]) {
      const viaDrizzle = await t.ctx.database.tenant(tenant.org.id, async (tx) => ({
        run: await findRun(tx, tenant.org.id, p.id, queued.id),
        log: (await runLog(tx, tenant.org.id, queued.id, after)).map(presentLogLine),
      }));
      expect(viaDrizzle.log.length).toBeGreaterThan(0);
      expect(await runState(t.ctx, tenant.org.id, p.id, queued.id, after)).toEqual(viaDrizzle);
    }
    // Where the run's time went: the last line splits it by phase.
    expect(done.log.map((l) => l.message)).toContainEqual(
      expect.stringMatching(
        /^Succeeded in [\d.]+ s \(inputs \d+ ms, engine \d+ ms, output version \d+ ms; of the output version: checks \d+ ms, files \d+ ms, flushes \d+ ms, rows \d+ ms, sealing \d+ ms\): output version \S+$/,
      ),
    );
    // With nothing to seal, the success and that last line commit in one transaction (the same
    // xmin): no reader sees SUCCEEDED without it, and a stream's wake-up comes with both.
    const { rows: committed } = await t.admin.query(
      `select (select xmin::text from pipeline_runs where id = $1) as run,
              (select xmin::text from pipeline_run_logs where run_id = $1 and message like 'Succeeded in%') as line`,
      [queued.id],
    );
    expect(committed[0].line).toBe(committed[0].run);
    // The source version the run read is recorded with its end.
    expect(done.sourceVersionId).toBeTruthy();

    const output: PipelineOutputVersion = (
      await t.request(manager, {
        method: 'GET',
        url: `/api/studies/${studyId}/pipeline-outputs/${done.outputVersionId}`,
      })
    ).json().data;
    const [[expected]] = (await sql(`SELECT count(*) FROM dm WHERE ARM <> 'Screen Failure'`)) as [[number]];
    expect(output.datasets).toHaveLength(1);
    expect(output.datasets[0]).toMatchObject({ name: 'dm_safety', rows: Number(expected) });

    // The dataset viewer reads it like a source dataset; the values are DM's, checked by plain SQL.
    const viewer = await t.request(manager, {
      method: 'GET',
      url: `/api/studies/${studyId}/versions/${output.id}/datasets/dm_safety/rows?limit=1000&sort=USUBJID`,
    });
    expect(viewer.statusCode, viewer.body).toBe(200);
    const body = viewer.json();
    expect(body.total).toBe(Number(expected));
    const want = await sql(`SELECT USUBJID, ARM, AGE, SEX FROM dm WHERE ARM <> 'Screen Failure' ORDER BY USUBJID`);
    const cols = body.columns.map((c: { name: string }) => c.name);
    expect(cols).toEqual(['USUBJID', 'ARM', 'AGE', 'SEX']);
    expect(body.rows.map((r: unknown[]) => r.map(String))).toEqual(want.map((r) => r.map(String)));
    const download = await t.request(manager, {
      method: 'GET',
      url: `/api/studies/${studyId}/versions/${output.id}/datasets/dm_safety/download?format=csv`,
    });
    expect(download.statusCode).toBe(200);
    expect(download.body.split('\r\n').filter(Boolean)).toHaveLength(Number(expected) + 1);

    // On disk: pipeline_output/{label}/ with a manifest recording lineage and every file's hash.
    const folder = path.join(studyDir(t.ctx.config.dataDir, tenant.org.id, studyId), 'pipeline_output', output.label);
    const manifest = JSON.parse(await readFile(path.join(folder, 'manifest.json'), 'utf8'));
    expect(manifest.lineage).toMatchObject({
      runId: queued.id,
      pipelineId: p.id,
      pipelineVersion: 1,
      sourceVersionId: done.sourceVersionId,
    });
    const file = await readFile(path.join(folder, manifest.datasets[0].file));
    expect(createHash('sha256').update(file).digest('hex')).toBe(manifest.datasets[0].sha256);
    expect(manifest.datasets[0].sha256).toBe(output.datasets[0]?.sha256);

    const lineage: DatasetLineage = (
      await t.request(manager, { method: 'GET', url: `/api/studies/${studyId}/pipeline-outputs/${output.id}/lineage` })
    ).json();
    expect(lineage.nodes.map((n) => n.kind).sort()).toEqual([
      'output_version',
      'pipeline_version',
      'run',
      'source_version',
    ]);
    expect(lineage.edges).toEqual(
      expect.arrayContaining([
        { from: `source:${done.sourceVersionId}`, to: `pipeline:${p.id}@1`, datasets: ['DM'] },
        { from: `pipeline:${p.id}@1`, to: `run:${queued.id}`, datasets: [] },
        { from: `run:${queued.id}`, to: `output:${output.id}`, datasets: ['dm_safety'] },
      ]),
    );

    // Dashboards read it too: the picker lists it beside the source datasets, labelled, and a widget draws it.
    const picker = (
      await t.request(manager, { method: 'GET', url: `/api/studies/${studyId}/dashboard-datasets` })
    ).json().data as { name: string; origin: { kind: string; pipelineName?: string; outputId?: string } }[];
    expect(picker.find((d) => d.name === 'DM')?.origin.kind).toBe('source');
    expect(picker.find((d) => d.name === 'dm_safety')?.origin).toMatchObject({
      kind: 'pipeline_output',
      pipelineName: 'Safety run',
      outputId: output.id,
    });
    const widget = await t.request(manager, {
      method: 'POST',
      url: `/api/studies/${studyId}/widgets/preview`,
      payload: {
        widget: {
          type: 'total-screened',
          title: 'Safety population',
          optionsVersion: 1,
          options: {},
          data: { dataset: 'dm_safety', population: 'dm_safety', mapping: { subject_id: 'USUBJID' } },
        },
      },
    });
    expect(widget.statusCode, widget.body).toBe(200);
    expect(widget.json().data?.metric?.value, widget.body).toBe(Number(expected));

    const list = (await t.request(manager, { method: 'GET', url: `/api/studies/${studyId}/pipelines` })).json().data;
    expect(list.find((x: Pipeline) => x.id === p.id).lastRun.status).toBe('SUCCEEDED');
    const { rows } = await t.admin.query(
      `select action, actor_type from audit_events where resource_id = $1 order by seq`,
      [queued.id],
    );
    expect(rows).toEqual([
      { action: 'pipeline_run.started', actor_type: 'user' },
      { action: 'pipeline_run.succeeded', actor_type: 'system' },
    ]);
    // The success's event is written with the output's rows (record-success.ts): labelled as the
    // look-up labels a run (plain SQL here), naming the output and its datasets as stored, and the
    // organization's hash chain still verifies.
    const {
      rows: [succeeded],
    } = await t.admin.query(
      `select e.resource_label, e.new_values,
              p.name || ', run of ' || to_char(r.queued_at at time zone 'UTC', 'YYYY-MM-DD HH24:MI:SS') || ' UTC' as label,
              (select json_agg(json_build_object('name', d.name, 'rows', d.rows, 'sha256', d.sha256))
                 from pipeline_output_datasets d where d.output_id = r.output_version_id) as datasets
       from audit_events e join pipeline_runs r on r.id::text = e.resource_id join pipelines p on p.id = r.pipeline_id
       where e.resource_id = $1 and e.action = 'pipeline_run.succeeded'`,
      [queued.id],
    );
    expect(succeeded.resource_label).toBe(succeeded.label);
    expect(succeeded.new_values).toMatchObject({
      status: 'SUCCEEDED',
      pipelineId: p.id,
      outputVersionId: output.id,
      label: output.label,
      sourceVersionId: done.sourceVersionId,
      datasets: succeeded.datasets,
    });
    const verified = await t.request(await tenant.as('org_admin'), { method: 'GET', url: '/api/audit/verify' });
    expect(verified.json()).toMatchObject({ ok: true });
  }, 90_000);

  it('cancel really stops a running run: CANCELLED, no output version, no files', async () => {
    const p = await createOk('Slow', { steps: [{ sql: SAFETY_SQL, sleepMs: 60_000 }], output: 'dm_safety' });
    const queued = await run(p.id);
    await until('the run to start', async () => (await getRun(p.id, queued.id)).status === 'RUNNING');
    const asked = Date.now();
    const cancel = await t.request(manager, {
      method: 'POST',
      url: `/api/studies/${studyId}/pipelines/${p.id}/runs/${queued.id}/cancel`,
    });
    expect(cancel.statusCode, cancel.body).toBe(202);
    const ended = await finished(p.id, queued.id);
    expect(Date.now() - asked).toBeLessThan(10_000);
    expect(ended).toMatchObject({ status: 'CANCELLED', outputVersionId: null, error: { kind: 'cancelled' } });
    const { rows } = await t.admin.query('select count(*)::int as n from pipeline_outputs where run_id = $1', [
      queued.id,
    ]);
    expect(rows[0].n).toBe(0);
    const temp = await readdir(path.join(studyDir(t.ctx.config.dataDir, tenant.org.id, studyId), 'temp'));
    expect(temp.filter((f) => f.includes(queued.id))).toEqual([]);
    const again = await t.request(manager, {
      method: 'POST',
      url: `/api/studies/${studyId}/pipelines/${p.id}/runs/${queued.id}/cancel`,
    });
    expect(again.statusCode).toBe(409);
    // The pipeline can run again at once.
    const next = await run(p.id);
    const cancelQueued = await t.request(manager, {
      method: 'POST',
      url: `/api/studies/${studyId}/pipelines/${p.id}/runs/${next.id}/cancel`,
    });
    expect(cancelQueued.statusCode).toBe(202);
    expect((await finished(p.id, next.id)).status).toBe('CANCELLED');
  }, 60_000);

  it('a definition error fails at once, naming the step; an infrastructure error is retried', async () => {
    const p = await createOk('Fails at step 2', {
      steps: [{ sql: SAFETY_SQL }, { sql: `SELECT CAST(ARM AS INTEGER) AS X FROM step0` }],
      output: 'dm_safety',
    });
    const queued = await run(p.id);
    const failed = await finished(p.id, queued.id);
    expect(failed).toMatchObject({ status: 'FAILED', attempts: 1, outputVersionId: null });
    expect(failed.error).toMatchObject({ kind: 'definition', step: 1, path: 'steps[1].sql' });
    expect(failed.log.at(-1)).toMatchObject({ level: 'error', step: 1 });
    expect(failed.sourceVersionId).toBeTruthy();

    FAIL_ONCE.add('flaky-disk');
    const flaky = await createOk('Flaky', {
      steps: [{ sql: SAFETY_SQL }],
      output: 'dm_safety',
      failOnce: 'flaky-disk',
    });
    const retried = await run(flaky.id);
    const ok = await until(
      'the retried run to succeed',
      async () => {
        const r = await getRun(flaky.id, retried.id);
        return r.status === 'SUCCEEDED' || r.status === 'FAILED' ? r : null;
      },
      60_000,
    );
    expect(ok).toMatchObject({ status: 'SUCCEEDED', attempts: 2 });
    expect(ok.log.map((l) => l.message).join('\n')).toContain('simulated storage failure');
  }, 90_000);

  it('runs a dead worker left RUNNING are queued again, or FAILED after their last attempt; live ones are left alone', async () => {
    const p = await createOk('Orphaned', { steps: [{ sql: SAFETY_SQL }], output: 'dm_safety' });
    const { rows } = await t.admin.query(
      `insert into pipeline_runs (org_id, study_id, pipeline_id, pipeline_version, status, trigger, worker_id, started_at, attempts)
       values ($1, $2, $3, 1, 'RUNNING', 'manual', $4, now(), 3) returning id`,
      [tenant.org.id, studyId, p.id, '00000000-0000-4000-8000-00000000dead'],
    );
    const dead = rows[0].id;
    const early = await createOk('Orphaned early', { steps: [{ sql: SAFETY_SQL }], output: 'dm_safety' });
    const { rows: earlyRows } = await t.admin.query(
      `insert into pipeline_runs (org_id, study_id, pipeline_id, pipeline_version, status, trigger, worker_id, started_at, attempts)
       values ($1, $2, $3, 1, 'RUNNING', 'manual', $4, now(), 1) returning id`,
      [tenant.org.id, studyId, early.id, '00000000-0000-4000-8000-00000000dead'],
    );
    const alive = await createOk('Alive', { steps: [{ sql: SAFETY_SQL }], output: 'dm_safety' });
    const { rows: live } = await t.admin.query(
      `insert into pipeline_runs (org_id, study_id, pipeline_id, pipeline_version, status, trigger, worker_id, started_at, attempts)
       values ($1, $2, $3, 1, 'RUNNING', 'manual', $4, now(), 1) returning id`,
      [tenant.org.id, studyId, alive.id, RUN_ID],
    );
    // The worker's own periodic recovery may take them first (the same function): what is checked
    // is the outcome below, not which of the two calls found them.
    await recoverInterruptedRuns(t.ctx);
    const recovered = await getRun(p.id, dead);
    expect(recovered).toMatchObject({ status: 'FAILED', error: { kind: 'interrupted' } });
    expect(recovered.log.at(-1)?.message).toContain('Interrupted');
    expect((await getRun(alive.id, live[0].id)).status).toBe('RUNNING');
    // Attempt 1 of 3 was interrupted: queued again and run to the end by a live worker, once.
    const resumed = await finished(early.id, earlyRows[0].id);
    expect(resumed).toMatchObject({ status: 'SUCCEEDED', attempts: 2 });
    expect(resumed.log.map((l) => l.message).join('\n')).toContain('queued again');
    await t.admin.query(`update pipeline_runs set status = 'FAILED' where id = $1`, [live[0].id]);
    // The pipeline whose run was recovered can run again.
    expect((await finished(p.id, (await run(p.id)).id)).status).toBe('SUCCEEDED');
  }, 60_000);

  it('two workers claiming one queued run at once: one runs it, the other finds nothing to do', async () => {
    const p = await createOk('Claimed twice', { steps: [{ sql: SAFETY_SQL }], output: 'dm_safety' });
    // Queued without a job, so only the two claims below can take it.
    const { rows } = await t.admin.query(
      `insert into pipeline_runs (org_id, study_id, pipeline_id, pipeline_version, status, trigger)
       values ($1, $2, $3, 1, 'QUEUED', 'manual') returning id`,
      [tenant.org.id, studyId, p.id],
    );
    const runId = rows[0].id;
    const payload = { orgId: tenant.org.id, runId };
    const results = await Promise.all([runPipeline(t.ctx, payload), runPipeline(t.ctx, payload)]);
    expect(results.map((r) => r.status).sort()).toEqual(['SUCCEEDED', 'not queued']);
    const done = await getRun(p.id, runId);
    expect(done).toMatchObject({ status: 'SUCCEEDED', attempts: 1, error: null });
    expect(done.startedAt).not.toBeNull();
    // One claim, one log: the sequence starts at 1 and has no gap.
    expect(done.log.map((l) => l.seq)).toEqual(done.log.map((_, i) => i + 1));
    expect(done.log.filter((l) => l.message.startsWith('Started (attempt 1)'))).toHaveLength(1);
  }, 60_000);
});

describe('chaining and triggers', () => {
  it('a pipeline reading another one’s output runs after it, and its lineage reaches the source', async () => {
    const up = await createOk('Upstream', { steps: [{ sql: SAFETY_SQL }], output: 'dm_safety' });
    const upRun = await finished(up.id, (await run(up.id)).id);
    expect(upRun.status).toBe('SUCCEEDED');
    const down = await createOk(
      'Downstream',
      { steps: [{ sql: 'SELECT ARM, count(*) AS N FROM S GROUP BY ARM ORDER BY ARM' }], output: 'by_arm' },
      {
        inputs: [{ name: 'S', source: { kind: 'pipeline', pipelineId: up.id, output: 'dm_safety' } }],
        outputs: ['by_arm'],
      },
    );
    const again = await run(up.id);
    const second = await finished(up.id, again.id);
    expect(second.status).toBe('SUCCEEDED');
    // Two output versions of the same pipeline compare like two data versions: nothing changed.
    const diff = await t.request(manager, {
      method: 'GET',
      url: `/api/studies/${studyId}/versions/${upRun.outputVersionId}/diff/${second.outputVersionId}?key=USUBJID`,
    });
    expect(diff.statusCode, diff.body).toBe(200);
    expect(diff.json().datasets).toEqual([
      expect.objectContaining({ name: 'dm_safety', status: 'unchanged', rowsAdded: 0, rowsRemoved: 0, rowsChanged: 0 }),
    ]);
    const chained = await until('the downstream run', async () => {
      const runs = (
        await t.request(manager, { method: 'GET', url: `/api/studies/${studyId}/pipelines/${down.id}/runs` })
      ).json().data as PipelineRunDetail[];
      return runs.find((r) => r.trigger === 'upstream' && r.status === 'SUCCEEDED');
    });
    const output: PipelineOutputVersion = (
      await t.request(manager, {
        method: 'GET',
        url: `/api/studies/${studyId}/pipeline-outputs/${chained.outputVersionId}`,
      })
    ).json().data;
    const rows = (
      await t.request(manager, {
        method: 'GET',
        url: `/api/studies/${studyId}/versions/${output.id}/datasets/by_arm/rows?sort=ARM`,
      })
    ).json().rows;
    const want = await sql(`SELECT ARM, count(*) FROM dm WHERE ARM <> 'Screen Failure' GROUP BY ARM ORDER BY ARM`);
    expect(rows.map((r: unknown[]) => r.map(String))).toEqual(want.map((r) => r.map(String)));
    const lineage: DatasetLineage = (
      await t.request(manager, { method: 'GET', url: `/api/studies/${studyId}/pipeline-outputs/${output.id}/lineage` })
    ).json();
    const kinds = lineage.nodes.map((n) => n.kind);
    expect(kinds.filter((k) => k === 'output_version')).toHaveLength(2);
    expect(kinds).toContain('source_version');
    expect(lineage.edges).toContainEqual({
      from: `output:${second.outputVersionId}`,
      to: `pipeline:${down.id}@1`,
      datasets: ['dm_safety'],
    });
    const detail = (
      await t.request(manager, { method: 'GET', url: `/api/studies/${studyId}/pipelines/${down.id}` })
    ).json().data as Pipeline;
    expect(detail.upstream).toEqual([{ id: up.id, name: 'Upstream' }]);
    // Everything a run's inputs name is read in ONE transaction (it was one for each version, each
    // reading the study's PHI decision again, and one for each upstream pipeline).
    const database = t.ctx.database;
    let transactions = 0;
    const counted: AppContext = {
      ...t.ctx,
      database: {
        ...database,
        tenant: (orgId, fn) => {
          transactions += 1;
          return database.tenant(orgId, fn);
        },
      },
    };
    const { rows: active } = await t.admin.query('select active_data_version_id as id from studies where id = $1', [
      studyId,
    ]);
    const resolved = await resolveInputs(
      counted,
      tenant.org.id,
      { id: studyId, activeDataVersionId: active[0].id },
      [
        { name: 'DM', source: { kind: 'dataset', dataset: 'DM' } },
        { name: 'S', source: { kind: 'pipeline', pipelineId: up.id, output: 'dm_safety' } },
      ],
      PIPELINE_ENGINE,
    );
    expect(transactions).toBe(1);
    expect(resolved.issues).toEqual([]);
    expect(resolved.sourceVersionId).toBe(active[0].id);
    expect(resolved.upstreamOutputIds).toEqual([second.outputVersionId]);
    expect(resolved.inputs.map((i) => i.name)).toEqual(['DM', 'S']);

    // A run's claim takes the run and reads the same in ONE call of the claim function, no transaction
    // of its own: equal to what `readInputs` reads with drizzle.
    const both = await createOk(
      'Both inputs',
      { steps: [{ sql: 'SELECT * FROM S' }], output: 'copy' },
      {
        inputs: [
          { name: 'DM', source: { kind: 'dataset', dataset: 'DM' } },
          { name: 'S', source: { kind: 'pipeline', pipelineId: up.id, output: 'dm_safety' } },
        ],
        outputs: ['copy'],
      },
    );
    const queue = async (version: number) =>
      (
        await t.admin.query(
          `insert into pipeline_runs (org_id, study_id, pipeline_id, pipeline_version, status, trigger)
           values ($1, $2, $3, $4, 'QUEUED', 'manual') returning id`,
          [tenant.org.id, studyId, both.id, version],
        )
      ).rows[0].id as string;
    let calls = 0;
    transactions = 0;
    const claiming: AppContext = {
      ...counted,
      database: {
        ...counted.database,
        tenantCall: (name, orgId, args) => {
          calls += 1;
          return database.tenantCall(name, orgId, args);
        },
      },
    };
    const runId = await queue(1);
    const claimed = await claimRun(claiming, tenant.org.id, runId);
    expect([calls, transactions]).toEqual([1, 0]);
    if (!claimed) throw new Error('the queued run was not claimed');
    const viaDrizzle = await database.tenant(tenant.org.id, (tx) =>
      readInputs(tx, t.ctx, tenant.org.id, claimed.study, claimed.version.inputs),
    );
    expect(claimed.inputs).toEqual(viaDrizzle);
    expect(claimed.inputs.upstream.get(up.id)?.output?.output.id).toBe(second.outputVersionId);
    expect(claimed.study).toEqual({ id: studyId, activeDataVersionId: active[0].id });
    expect(claimed.seq).toBe(0);
    const { rows: taken } = await t.admin.query(
      'select status, attempts, worker_id, started_at is not null as started from pipeline_runs where id = $1',
      [runId],
    );
    expect(taken[0]).toEqual({ status: 'RUNNING', attempts: 1, worker_id: RUN_ID, started: true });
    expect(claimed.run).toMatchObject({ id: runId, status: 'RUNNING', attempts: 1, workerId: RUN_ID });
    // Not QUEUED any more: nothing to claim. A run whose pipeline version is gone stays QUEUED.
    expect(await claimRun(t.ctx, tenant.org.id, runId)).toBeNull();
    await t.admin.query(`update pipeline_runs set status = 'CANCELLED' where id = $1`, [runId]);
    const orphan = await queue(99);
    expect(await claimRun(t.ctx, tenant.org.id, orphan)).toBeNull();
    const { rows: left } = await t.admin.query('select status, attempts from pipeline_runs where id = $1', [orphan]);
    expect(left[0]).toEqual({ status: 'QUEUED', attempts: 0 });
    await t.admin.query(`update pipeline_runs set status = 'CANCELLED' where id = $1`, [orphan]);
  }, 90_000);

  it('activating a new source version queues the pipelines that run on activation', async () => {
    const p = await createOk(
      'On activation',
      { steps: [{ sql: SAFETY_SQL }], output: 'dm_safety' },
      {
        triggers: { onSourceActivation: true },
      },
    );
    const upload = await t.request(manager, {
      method: 'POST',
      url: `/api/studies/${studyId}/uploads`,
      ...multipartFile('dm.xpt', await readFile(path.join(SDTM, 'dm.xpt'))),
    });
    expect(upload.statusCode, upload.body).toBe(201);
    const activate = await t.request(manager, {
      method: 'POST',
      url: `/api/studies/${studyId}/versions/${upload.json().data.id}/activate`,
      payload: { reason: 'New transfer' },
    });
    expect(activate.statusCode, activate.body).toBe(200);
    const triggered = await until('the triggered run', async () => {
      const runs = (
        await t.request(manager, { method: 'GET', url: `/api/studies/${studyId}/pipelines/${p.id}/runs` })
      ).json().data as PipelineRunDetail[];
      return runs.find((r) => r.trigger === 'source_activation' && r.status === 'SUCCEEDED');
    });
    expect(triggered.sourceVersionId).toBe(upload.json().data.id);
  }, 60_000);

  it('a cron schedule fires once per occurrence, in its time zone', async () => {
    // 06:00 in Berlin is 05:00 UTC in winter.
    expect(lastOccurrence('0 6 * * *', 'Europe/Berlin', new Date('2026-12-07T05:30:00Z')).toISOString()).toBe(
      '2026-12-07T05:00:00.000Z',
    );
    expect(lastOccurrence('0 6 * * *', 'America/New_York', new Date('2026-12-07T10:59:00Z')).toISOString()).toBe(
      '2026-12-06T11:00:00.000Z',
    );
    const p = await createOk(
      'Scheduled',
      { steps: [{ sql: SAFETY_SQL }], output: 'dm_safety' },
      {
        triggers: { schedule: { cron: '*/5 * * * *', timeZone: 'Asia/Kolkata' } },
      },
    );
    const now = new Date(Date.now() + 5 * 60_000);
    expect(await fireSchedules(t.ctx, now)).toBeGreaterThanOrEqual(1);
    await fireSchedules(t.ctx, now);
    const runs = (
      await t.request(manager, { method: 'GET', url: `/api/studies/${studyId}/pipelines/${p.id}/runs` })
    ).json().data as PipelineRunDetail[];
    expect(runs.filter((r) => r.trigger === 'schedule')).toHaveLength(1);
    await finished(p.id, runs[0]?.id as string);
  }, 60_000);
});
