import { readdir, readFile } from 'node:fs/promises';
import path from 'node:path';
import type { Pipeline, PipelineOutputVersion, PipelineRunDetail } from '@cdp/contracts';
import { buildZip, sharedData } from '@cdp/formats/testing';
import { EXAMPLE_PIPELINES } from '@cdp/pipelines';
import { DuckDBInstance } from '@duckdb/node-api';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { multipartFile, type Session, startTestApp, type TestApp } from '../../../test/harness.ts';
import { testDatabase } from '../../../test/test-database.ts';
import { startWorker, type Worker } from '../../jobs/queue.ts';
import { holdRunLock } from '../../lib/process-run.ts';
import { studyDir } from '../../lib/study-folders.ts';

/*
 * The real engines through the whole runtime: the CDISC pilot's original SDTM (all 18 XPT files,
 * zipped and uploaded as a user would), the specification's example pipelines in the DSL (ENROL from
 * DS, then dm_clean from DM merged with ENROL: a chain) and a SQL pipeline, each run as a job by a
 * real worker, their outputs read back through the dataset viewer route and checked against plain
 * DuckDB SQL over the uploaded Parquet files, computed here without any pipeline code.
 */

const SDTM = sharedData('cdiscpilot01', 'sdtm-original');

let t: TestApp;
let manager: Session;
let tenantAdmin: () => Promise<Session>;
let studyId: string;
let worker: Worker;
let releaseLock: () => Promise<void>;
let sql: (query: string) => Promise<unknown[][]>;
let closeDuck: () => void;

async function until<T>(what: string, probe: () => Promise<T | undefined | null | false>, ms = 90_000): Promise<T> {
  const end = Date.now() + ms;
  for (;;) {
    const value = await probe();
    if (value) return value;
    if (Date.now() > end) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 200));
  }
}

async function createPipeline(payload: Record<string, unknown>): Promise<Pipeline> {
  const res = await t.request(manager, { method: 'POST', url: `/api/studies/${studyId}/pipelines`, payload });
  expect(res.statusCode, res.body).toBe(201);
  return res.json().data;
}

async function runToEnd(pid: string): Promise<PipelineRunDetail> {
  const res = await t.request(manager, { method: 'POST', url: `/api/studies/${studyId}/pipelines/${pid}/runs` });
  expect(res.statusCode, res.body).toBe(202);
  const rid = res.json().data.id;
  return until(`run ${rid}`, async () => {
    const run = (
      await t.request(manager, { method: 'GET', url: `/api/studies/${studyId}/pipelines/${pid}/runs/${rid}` })
    ).json().data as PipelineRunDetail;
    return ['SUCCEEDED', 'FAILED', 'CANCELLED'].includes(run.status) ? run : null;
  });
}

/** Every row of an output dataset through the dataset viewer, as `{ column: value }`. */
async function viewerRows(outputId: string, dataset: string, sort: string): Promise<Record<string, unknown>[]> {
  const res = await t.request(manager, {
    method: 'GET',
    url: `/api/studies/${studyId}/versions/${outputId}/datasets/${dataset}/rows?limit=1000&sort=${sort}`,
  });
  expect(res.statusCode, res.body).toBe(200);
  const body = res.json() as { columns: { name: string }[]; rows: unknown[][]; total: number };
  expect(body.rows).toHaveLength(body.total);
  return body.rows.map((row) => Object.fromEntries(body.columns.map((c, i) => [c.name, row[i]])));
}

function example(key: string) {
  const found = EXAMPLE_PIPELINES.find((e) => e.key === key);
  if (!found) throw new Error(`no example ${key}`);
  return found;
}

beforeAll(async () => {
  t = await startTestApp({}, { reuseConversions: true });
  releaseLock = await holdRunLock(testDatabase().appUrl);
  const tenant = await t.tenant();
  studyId = tenant.study.id;
  manager = await tenant.as('study_manager');
  tenantAdmin = () => tenant.as('org_admin');
  const files = (await readdir(SDTM)).filter((f) => f.endsWith('.xpt'));
  expect(files).toHaveLength(18);
  const zip = buildZip(
    await Promise.all(files.map(async (name) => ({ name, data: await readFile(path.join(SDTM, name)) }))),
  );
  const upload = await t.request(manager, {
    method: 'POST',
    url: `/api/studies/${studyId}/uploads`,
    ...multipartFile('sdtm.zip', zip),
  });
  expect(upload.statusCode, upload.body).toBe(201);
  const { rows } = await t.admin.query(
    `select d.name, d.file, v.label from datasets d join data_versions v on v.id = d.version_id where d.study_id = $1`,
    [studyId],
  );
  const instance = await DuckDBInstance.create(':memory:');
  const connection = await instance.connect();
  for (const row of rows.filter((r) => ['DM', 'DS', 'AE'].includes(r.name))) {
    const file = path.join(studyDir(t.ctx.config.dataDir, tenant.org.id, studyId), 'source_data', row.label, row.file);
    await connection.run(`CREATE VIEW ${row.name.toLowerCase()} AS SELECT * FROM read_parquet('${file}')`);
  }
  sql = async (query) => (await connection.runAndReadAll(query)).getRowsJson() as unknown[][];
  closeDuck = () => {
    connection.closeSync();
    instance.closeSync();
  };
  worker = await startWorker(t.ctx, testDatabase().appUrl);
}, 120_000);

afterAll(async () => {
  await worker?.stop();
  closeDuck?.();
  await releaseLock?.();
  await t?.close();
});

describe('pipelines on the CDISC pilot SDTM, with the real engines', () => {
  it('the specification’s example (ENROL, then dm_clean chained on it) runs as written; the viewer shows what plain SQL says', async () => {
    const enrolment = example('enrolment');
    const enrol = await createPipeline({
      name: enrolment.name,
      kind: 'dsl',
      body: enrolment.body,
      inputs: [{ name: 'DS', source: { kind: 'dataset', dataset: 'DS' } }],
      outputs: ['ENROL'],
    });
    const enrolRun = await runToEnd(enrol.id);
    expect(enrolRun.status, JSON.stringify(enrolRun.error)).toBe('SUCCEEDED');
    expect(enrolRun.progress).toMatchObject({ percent: 100, steps: 5 });

    const clean = example('dm_clean');
    const dmClean = await createPipeline({
      name: clean.name,
      kind: 'dsl',
      body: clean.body,
      inputs: [
        { name: 'DM', source: { kind: 'dataset', dataset: 'DM' } },
        { name: 'ENROL', source: { kind: 'pipeline', pipelineId: enrol.id, output: 'ENROL' } },
      ],
      outputs: ['dm_clean'],
    });
    const run = await runToEnd(dmClean.id);
    expect(run.status, JSON.stringify(run.error)).toBe('SUCCEEDED');
    const output: PipelineOutputVersion = (
      await t.request(manager, {
        method: 'GET',
        url: `/api/studies/${studyId}/pipeline-outputs/${run.outputVersionId}`,
      })
    ).json().data;
    expect(output.datasets.map((d) => d.name)).toEqual(['dm_clean']);

    const rows = await viewerRows(output.id, 'dm_clean', 'USUBJID');
    const want = await sql(`
      SELECT dm.USUBJID, dm.AGE, ds.DSDECOD
      FROM dm LEFT JOIN (SELECT * FROM ds WHERE DSCAT = 'DISPOSITION EVENT') ds USING (STUDYID, USUBJID)
      WHERE dm.DMDTC IS NOT NULL AND dm.ARMCD NOT IN ('SCRNFAIL', 'Scrnfail', 'NOTASSGN')
      ORDER BY dm.USUBJID`);
    expect(rows.length).toBe(want.length);
    expect(rows.length).toBeGreaterThan(200);
    expect(rows.map((r) => [r.USUBJID, Number(r.AGE), r.ENRLSTAT])).toEqual(
      want.map((w) => [w[0], Number(w[1]), w[2]]),
    );
    expect(Object.keys(rows[0] ?? {})).not.toContain('RFXSTDTC');
    // One age group per band of the cut points [18, 65]: every subject of a band has the same label, bands differ.
    const label = (band: (age: number) => boolean) =>
      new Set(rows.filter((r) => band(Number(r.AGE))).map((r) => r.AGE_GROUP));
    const old = label((a) => a >= 65);
    const adult = label((a) => a >= 18 && a < 65);
    expect(old.size).toBe(1);
    expect(adult.size).toBe(1);
    expect([...old][0]).not.toBe([...adult][0]);

    // Where does dm_clean come from: DM and DS of the uploaded version, through both pipelines and runs.
    const lineage = (
      await t.request(manager, { method: 'GET', url: `/api/studies/${studyId}/pipeline-outputs/${output.id}/lineage` })
    ).json();
    const kinds = lineage.nodes.map((n: { kind: string }) => n.kind).sort();
    expect(kinds).toEqual([
      'output_version',
      'output_version',
      'pipeline_version',
      'pipeline_version',
      'run',
      'run',
      'source_version',
    ]);
  }, 180_000);

  it('a SQL pipeline runs in the locked DuckDB and its output matches plain SQL', async () => {
    const p = await createPipeline({
      name: 'Serious AEs by subject',
      kind: 'sql',
      body: {
        statements: [
          { name: 'serious', sql: "SELECT USUBJID, count(*) AS N FROM AE WHERE AESER = 'Y' GROUP BY USUBJID" },
        ],
      },
      inputs: [{ name: 'AE', source: { kind: 'dataset', dataset: 'AE' } }],
      outputs: ['serious'],
    });
    const run = await runToEnd(p.id);
    expect(run.status, JSON.stringify(run.error)).toBe('SUCCEEDED');
    const list = await t.request(manager, {
      method: 'GET',
      url: `/api/studies/${studyId}/versions/${run.outputVersionId}/datasets`,
    });
    expect(list.statusCode, list.body).toBe(200);
    const want0 = await sql(`SELECT count(DISTINCT USUBJID) FROM ae WHERE AESER = 'Y'`);
    expect(list.json().data.map((d: { name: string; rows: number }) => [d.name, d.rows])).toEqual([
      ['serious', Number(want0[0]?.[0])],
    ]);
    const rows = await viewerRows(run.outputVersionId as string, 'serious', 'USUBJID');
    const want = await sql(`SELECT USUBJID, count(*) FROM ae WHERE AESER = 'Y' GROUP BY USUBJID ORDER BY USUBJID`);
    expect(rows.map((r) => [r.USUBJID, Number(r.N)])).toEqual(want.map((w) => [w[0], Number(w[1])]));

    const readsAFile = await t.request(manager, {
      method: 'POST',
      url: `/api/studies/${studyId}/pipelines/check`,
      payload: {
        kind: 'sql',
        body: { statements: [{ name: 'x', sql: "SELECT * FROM read_csv('/etc/passwd')" }] },
        inputs: [{ name: 'AE', source: { kind: 'dataset', dataset: 'AE' } }],
        outputs: ['x'],
      },
    });
    expect(readsAFile.statusCode).toBe(200);
    expect(readsAFile.json().ok).toBe(false);
    expect(readsAFile.json().issues[0].path).toMatch(/^body\.statements\[0\]/);
  }, 120_000);

  it('previews the first rows after a DSL step on the real data', async () => {
    const res = await t.request(manager, {
      method: 'POST',
      url: `/api/studies/${studyId}/pipelines/preview`,
      payload: {
        body: example('enrolment').body,
        inputs: [{ name: 'DS', source: { kind: 'dataset', dataset: 'DS' } }],
        step: 0,
      },
    });
    expect(res.statusCode, res.body).toBe(200);
    const preview = res.json();
    expect(preview.issues).toEqual([]);
    expect(preview.rows).toHaveLength(50);
    const dscat = preview.columns.findIndex((c: { name: string }) => c.name === 'DSCAT');
    expect(new Set(preview.rows.map((r: unknown[]) => r[dscat]))).toEqual(new Set(['DISPOSITION EVENT']));

    const bad = await t.request(manager, {
      method: 'POST',
      url: `/api/studies/${studyId}/pipelines/preview`,
      payload: {
        body: { steps: [{ operation: 'drop_columns', parameters: { dataset: 'DS', columns: ['NOPE'] } }] },
        inputs: [{ name: 'DS', source: { kind: 'dataset', dataset: 'DS' } }],
        step: 0,
      },
    });
    expect(bad.statusCode).toBe(200);
    expect(bad.json().issues[0].path).toContain('steps[0]');
  }, 60_000);

  it('a Python pipeline runs in the sandbox on the real DM; the run is announced to webhooks in its transaction', async () => {
    const admin = await tenantAdmin();
    // .invalid never resolves: the outbox row is what this test reads, nothing leaves the machine.
    const hook = await t.request(admin, {
      method: 'POST',
      url: '/api/webhooks',
      payload: { url: 'https://pipelines.invalid/hooks', events: ['pipeline.run.succeeded', 'pipeline.run.failed'] },
    });
    expect(hook.statusCode, hook.body).toBe(201);

    const p = await createPipeline({
      name: 'Elderly by arm (Python)',
      kind: 'python',
      body: {
        script: [
          'dm = read_dataset("DM")',
          'old = dm[dm["AGE"] >= 65]',
          'out = old.groupby("ARM", as_index=False).agg(N=("USUBJID", "nunique"))',
          'print("arms", len(out))',
          'save_dataset(out, "elderly")',
        ].join('\n'),
      },
      inputs: [{ name: 'DM', source: { kind: 'dataset', dataset: 'DM' } }],
      outputs: ['elderly'],
    });
    const run = await runToEnd(p.id);
    expect(run.status, JSON.stringify(run.error)).toBe('SUCCEEDED');
    const rows = await viewerRows(run.outputVersionId as string, 'elderly', 'ARM');
    const want = await sql('SELECT ARM, count(DISTINCT USUBJID) FROM dm WHERE AGE >= 65 GROUP BY ARM ORDER BY ARM');
    expect(rows.map((r) => [r.ARM, Number(r.N)])).toEqual(want.map((w) => [w[0], Number(w[1])]));

    const failing = await createPipeline({
      name: 'Fails (Python)',
      kind: 'python',
      body: { script: 'raise ValueError("no such visit")' },
      inputs: [{ name: 'DM', source: { kind: 'dataset', dataset: 'DM' } }],
      outputs: ['nothing'],
    });
    const failed = await runToEnd(failing.id);
    expect(failed.status).toBe('FAILED');
    expect(failed.error?.message).toContain('no such visit');

    const { rows: events } = await t.admin.query(
      `select type, data, (select array_agg(endpoint_id::text) from webhook_deliveries d where d.event_id = e.id) as sent_to
       from webhook_events e where data->>'pipelineId' in ($1, $2) order by created_at`,
      [p.id, failing.id],
    );
    expect(events.map((e: { type: string }) => e.type)).toEqual(['pipeline.run.succeeded', 'pipeline.run.failed']);
    // Each with its delivery to the subscribed endpoint, recorded in the same transaction.
    expect(events.map((e: { sent_to: string[] }) => e.sent_to)).toEqual([[hook.json().data.id], [hook.json().data.id]]);
    expect(events[0].data).toMatchObject({ runId: run.id, pipelineId: p.id, outputVersionId: run.outputVersionId });
    expect(events[1].data).toMatchObject({ pipelineId: failing.id });
  }, 180_000);

  it('a Python pipeline is checked at save by the Python engine, naming where', async () => {
    const res = await t.request(manager, {
      method: 'POST',
      url: `/api/studies/${studyId}/pipelines`,
      payload: {
        name: 'Python',
        kind: 'python',
        body: { script: '' },
        inputs: [{ name: 'DM', source: { kind: 'dataset', dataset: 'DM' } }],
        outputs: ['x'],
      },
    });
    expect(res.statusCode).toBe(400);
    expect(res.json().error.details.issues[0].path).toBe('body.script');
  });
});
