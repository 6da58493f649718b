import { execFile } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { chmod, mkdtemp, readdir, readFile, rm } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { promisify } from 'node:util';
import { buildZip } from '@cdp/formats/testing';
import pg from 'pg';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type CdpProcess, freePort, ROOT, runBuiltCdp, waitUntilReady } from '../../../../scripts/cdp-process.ts';
import { type EmbeddedPostgres, startEmbeddedPostgres } from '../../src/lib/embedded-postgres.ts';
import { createLogger } from '../../src/lib/logger.ts';

/**
 * The scale-out deployment on one machine, from the production build (`node apps/server/dist/main.js`,
 * no tsx): a standalone PostgreSQL, two `cdp api` processes on two ports and two `cdp worker`
 * processes sharing one data folder, as docs/operations.md describes. `npm run test:cluster`.
 */

const run = promisify(execFile);
const PASSWORD = 'Cluster-demo-password-0123';
const METRICS_TOKEN = 'cluster-metrics-token-0123456789';
const LOGIN_LIMIT = 10;

let root: string;
let postgres: EmbeddedPostgres;
let admin: pg.Pool;
let tearingDown = false;
let env: Record<string, string>;
const apis: { url: string; admin: string; cdp: CdpProcess }[] = [];
const workers: { admin: string; cdp: CdpProcess }[] = [];
let token: string;
let studyId: string;

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

async function until<T>(what: string, probe: () => Promise<T | null | undefined>, timeoutMs = 60_000): Promise<T> {
  const end = Date.now() + timeoutMs;
  while (Date.now() < end) {
    const value = await probe();
    if (value) return value;
    await sleep(200);
  }
  throw new Error(`timed out waiting for ${what}`);
}

async function call(base: string, method: string, url: string, body?: unknown, headers: Record<string, string> = {}) {
  const res = await fetch(`${base}${url}`, {
    method,
    headers: {
      ...(token ? { authorization: `Bearer ${token}` } : {}),
      ...(body !== undefined && !(body instanceof FormData) ? { 'content-type': 'application/json' } : {}),
      ...headers,
    },
    body: body === undefined ? undefined : body instanceof FormData ? body : JSON.stringify(body),
  });
  const text = await res.text();
  return { status: res.status, headers: res.headers, body: text ? JSON.parse(text) : null, text };
}

const A = () => apis[0]?.url as string;
const B = () => apis[1]?.url as string;

async function login(base: string, email: string, password = PASSWORD) {
  const res = await fetch(`${base}/api/auth/login`, {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify({ email, password }),
  });
  const cookie = (res.headers.get('set-cookie') ?? '').split(';')[0] ?? '';
  return { status: res.status, body: (await res.json()) as { accessToken?: string }, cookie };
}

async function metrics(adminUrl: string): Promise<string> {
  const res = await fetch(`${adminUrl}/metrics`, { headers: { authorization: `Bearer ${METRICS_TOKEN}` } });
  expect(res.status).toBe(200);
  return res.text();
}

/** Sum of a counter's samples whose labels include every given one. */
function sample(text: string, name: string, labels: Record<string, string>): number {
  return text
    .split('\n')
    .filter(
      (line) => line.startsWith(`${name}{`) && Object.entries(labels).every(([k, v]) => line.includes(`${k}="${v}"`)),
    )
    .reduce((sum, line) => sum + Number(line.split(' ').at(-1)), 0);
}

beforeAll(async () => {
  await run(process.execPath, [path.join(ROOT, 'scripts/build-server.mjs')], { cwd: ROOT });
  root = await mkdtemp(path.join(os.tmpdir(), 'cdp-cluster-'));
  await chmod(root, 0o755);
  postgres = await startEmbeddedPostgres({
    dir: path.join(root, 'pg'),
    port: await freePort(),
    password: 'cluster-superuser-password',
    log: createLogger('silent'),
    // Made for this run: no wait for the disk at each commit (embeddedPostgresFlags).
    durable: false,
  });
  admin = new pg.Pool({ connectionString: postgres.adminUrl, max: 2 });
  // pg's Pool.end() resolves before its clients' sockets close; PostgreSQL's shutdown right after can
  // reach one still closing ("terminating connection due to administrator command", 57P01), which the
  // pool re-emits. Only that, and only once the test is tearing down, is expected.
  admin.on('error', (error: Error & { code?: string }) => {
    if (!(tearingDown && error.code === '57P01')) throw error;
  });
  env = {
    DATABASE_URL: postgres.adminUrl,
    DATABASE_APP_PASSWORD: 'cluster-app-password-0123456789',
    DATA_DIR: path.join(root, 'data'),
    CDP_DEMO_PASSWORD: PASSWORD,
    HOST: '127.0.0.1',
    LOG_LEVEL: 'info',
    LOGIN_RATE_LIMIT_PER_MINUTE: String(LOGIN_LIMIT),
    METRICS_HOST: '127.0.0.1',
    METRICS_TOKEN,
    SHUTDOWN_GRACE_SECONDS: '5',
  };

  // Two deployments' migration steps at once: the advisory lock lets one migrate, the other wait.
  const migrations = [runBuiltCdp('migrate', env), runBuiltCdp('migrate', env)];
  for (const m of migrations) expect(await m.exited, m.output()).toBe(0);
  const seeded = runBuiltCdp('seed', env);
  expect(await seeded.exited, seeded.output()).toBe(0);

  for (let i = 0; i < 2; i++) {
    const [port, metricsPort] = [await freePort(), await freePort()];
    const cdp = runBuiltCdp('api', { ...env, PORT: String(port), METRICS_PORT: String(metricsPort) });
    apis.push({ url: `http://127.0.0.1:${port}`, admin: `http://127.0.0.1:${metricsPort}`, cdp });
  }
  for (let i = 0; i < 2; i++) {
    const metricsPort = await freePort();
    const cdp = runBuiltCdp('worker', { ...env, METRICS_PORT: String(metricsPort) });
    workers.push({ admin: `http://127.0.0.1:${metricsPort}`, cdp });
  }
  for (const api of apis) await waitUntilReady(api.url, api.cdp);
  for (const worker of workers) {
    await until('a worker to be ready', async () => {
      if (worker.cdp.child.exitCode !== null) throw new Error(`worker exited:\n${worker.cdp.output()}`);
      return (await fetch(`${worker.admin}/readyz`).catch(() => null))?.status === 200;
    });
  }

  const signedIn = await login(A(), 'admin@demo.cdp.local');
  expect(signedIn.status).toBe(200);
  token = signedIn.body.accessToken as string;
  const studies = await call(B(), 'GET', '/api/studies');
  studyId = studies.body.data.find((s: { code: string }) => s.code === 'CDP-301').id;
}, 240_000);

afterAll(async () => {
  await Promise.all([...apis, ...workers].map((p) => p.cdp.stop(5_000)));
  tearingDown = true;
  await admin?.end();
  await postgres?.stop();
  if (root) await rm(root, { recursive: true, force: true });
}, 60_000);

describe('two API processes and two workers on one PostgreSQL', () => {
  it('a session opened on one API works on the other, and a refresh token replayed anywhere ends it', async () => {
    const manager = await login(A(), 'manager@demo.cdp.local');
    expect(manager.status).toBe(200);
    const me = await call(B(), 'GET', '/api/me', undefined, { authorization: `Bearer ${manager.body.accessToken}` });
    expect(me.status).toBe(200);
    const refreshed = await call(B(), 'POST', '/api/auth/refresh', undefined, { cookie: manager.cookie });
    expect(refreshed.status, refreshed.text).toBe(200);
    // The old refresh token was rotated by B: presenting it to A is a replay, and ends the session.
    const replay = await call(A(), 'POST', '/api/auth/refresh', undefined, { cookie: manager.cookie });
    expect(replay.status).toBe(401);
    // B may hold the session in its actor cache until it sees the revocation (auth_version, polled
    // every 250 ms; docs/decisions.md): the session must end there within a bounded, short time.
    const revokedAt = Date.now();
    await until(
      'the replayed session to end on the other API',
      async () =>
        (await call(B(), 'GET', '/api/me', undefined, { authorization: `Bearer ${refreshed.body.accessToken}` }))
          .status === 401,
      5_000,
    );
    expect(Date.now() - revokedAt).toBeLessThan(5_000);
  });

  it('an upload through one API is read through the other; a dashboard cached there follows an activation at once', async () => {
    const dir = path.join(root, 'upload');
    const generated = runBuiltCdp('demo', env, ['generate', '--out', dir, '--subjects', '120', '--seed', '7']);
    expect(await generated.exited, generated.output()).toBe(0);
    const files = await readdir(dir);
    const zip = buildZip(
      await Promise.all(files.map(async (name) => ({ name, data: await readFile(path.join(dir, name)) }))),
    );
    const form = new FormData();
    form.append('file', new Blob([new Uint8Array(zip)]), 'transfer.zip');
    const uploaded = await call(A(), 'POST', `/api/studies/${studyId}/uploads`, form);
    expect(uploaded.status, uploaded.text).toBe(201);
    const versionId = uploaded.body.data.id as string;

    const versions = await call(B(), 'GET', `/api/studies/${studyId}/versions`);
    expect(versions.body.data.map((v: { id: string }) => v.id)).toContain(versionId);
    const activeOn = (list: { body: { data: { id: string; active: boolean }[] } }) =>
      list.body.data.filter((v) => v.active).map((v) => v.id);
    expect(activeOn(versions)).not.toContain(versionId);
    const datasets = await call(B(), 'GET', `/api/studies/${studyId}/versions/${versionId}/datasets`);
    expect(datasets.status).toBe(200);
    const dm = datasets.body.data.find((d: { name: string }) => d.name === 'DM');
    expect(dm.rows).toBe(120);

    // The demo dashboard, drawn twice on B: the second answer comes from B's query cache.
    const dashboards = await call(B(), 'GET', `/api/studies/${studyId}/dashboards`);
    const dashboardId = dashboards.body.data[0].id as string;
    const page = () => call(B(), 'GET', `/api/studies/${studyId}/dashboards/${dashboardId}/data`);
    const drawn = (body: { data: { widgets: { data?: { meta: { versionId: string; cached: boolean } } }[] } }) =>
      body.data.widgets.flatMap((w) => (w.data ? [w.data] : []));
    const first = await page();
    expect(first.status).toBe(200);
    const before = drawn(first.body);
    expect(before.length).toBeGreaterThan(0);
    const oldVersion = before[0]?.meta.versionId;
    expect(oldVersion).not.toBe(versionId);
    expect(drawn((await page()).body).every((w) => w.meta.cached)).toBe(true);

    const activated = await call(A(), 'POST', `/api/studies/${studyId}/versions/${versionId}/activate`, {
      reason: 'cluster test: new transfer',
    });
    expect(activated.status, activated.text).toBe(200);
    // B keeps each version presented (a version never changes) but not which one is active.
    const listed = await call(B(), 'GET', `/api/studies/${studyId}/versions`);
    expect(listed.body.meta.activeVersionId).toBe(versionId);
    expect(activeOn(listed)).toEqual([versionId]);
    // No wait: B reads the active version from PostgreSQL per request, and caches by version id.
    const after = drawn((await page()).body);
    expect(after.length).toBe(before.length);
    expect(after.every((w) => w.meta.versionId === versionId)).toBe(true);
    expect(JSON.stringify(after.map((w) => ({ ...w, meta: null })))).not.toBe(
      JSON.stringify(before.map((w) => ({ ...w, meta: null }))),
    );

    // Every line of a request's log names the request, the organization and the user.
    const apiLog = apis.map((api) => api.cdp.output()).join('\n');
    expect(apiLog).toMatch(/"reqId":"[0-9a-f-]{36}".*"orgId":"[0-9a-f-]{36}","userId":"[0-9a-f-]{36}"/);
  });

  it('pipelines queued through both APIs each run exactly once, counted by job name in the workers’ metrics', async () => {
    const runs: { pipelineId: string; runId: string }[] = [];
    for (let i = 0; i < 4; i++) {
      const base = i % 2 === 0 ? A() : B();
      const created = await call(base, 'POST', `/api/studies/${studyId}/pipelines`, {
        name: `Cluster ${i}`,
        kind: 'sql',
        body: { statements: [{ name: 'dm_shifted', sql: `SELECT USUBJID, ARM, AGE + ${i} AS AGE FROM DM` }] },
        inputs: [{ name: 'DM', source: { kind: 'dataset', dataset: 'DM' } }],
        outputs: ['dm_shifted'],
      });
      expect(created.status, created.text).toBe(201);
      const queued = await call(base, 'POST', `/api/studies/${studyId}/pipelines/${created.body.data.id}/runs`);
      expect(queued.status, queued.text).toBe(202);
      runs.push({ pipelineId: created.body.data.id, runId: queued.body.data.id });
    }
    for (const [i, r] of runs.entries()) {
      const base = i % 2 === 0 ? B() : A();
      const done = await until(`run ${r.runId}`, async () => {
        const got = await call(base, 'GET', `/api/studies/${studyId}/pipelines/${r.pipelineId}/runs/${r.runId}`);
        return ['SUCCEEDED', 'FAILED', 'CANCELLED'].includes(got.body.data.status) ? got.body.data : null;
      });
      expect(done, JSON.stringify(done.error)).toMatchObject({ status: 'SUCCEEDED', attempts: 1 });
    }
    const ids = runs.map((r) => r.runId);
    const outputs = await admin.query(
      'select run_id, count(*)::int as n from pipeline_outputs where run_id = any($1) group by run_id',
      [ids],
    );
    expect(outputs.rows.map((r) => r.n)).toEqual([1, 1, 1, 1]);
    // pg-boss marks a job completed after its handler returned, so a run can read SUCCEEDED while
    // its job is still `active` for a moment (seen at load 40): wait until no job of these runs is
    // queued or running, then each run must have had exactly one job, and it completed.
    const jobs = await until('the runs’ jobs to finish in the queue', async () => {
      const found = await admin.query(
        `select data->>'runId' as run, count(*)::int as n, min(state::text) as state from pgboss.job
          where name = 'pipelines.run' and data->>'runId' = any($1) group by 1`,
        [ids],
      );
      return found.rows.some((r) => ['created', 'retry', 'active'].includes(r.state)) ? null : found;
    });
    expect(jobs.rows.map((r) => [r.n, r.state])).toEqual(Array(4).fill([1, 'completed']));

    const texts = await Promise.all(workers.map((w) => metrics(w.admin)));
    const done = texts.reduce(
      (sum, t) => sum + sample(t, 'cdp_jobs_total', { job: 'pipelines.run', outcome: 'done' }),
      0,
    );
    expect(done).toBe(4);
    expect(texts[0]).toContain('cdp_job_duration_seconds_bucket{le="0.05",job="pipelines.run"}');
    expect(texts[0]).toMatch(/cdp_db_pool_connections\{state="total"\} \d/);
    expect(texts[0]).toContain('cdp_process_resident_memory_bytes');
    const workerLog = workers.map((w) => w.cdp.output()).join('\n');
    expect(workerLog).toMatch(/"job":"pipelines.run","jobId":"[0-9a-f-]{36}"/);

    const apiMetrics = await metrics(apis[1]?.admin as string);
    expect(
      sample(apiMetrics, 'cdp_http_request_duration_seconds_count', {
        route: '/api/studies/:id/dashboards/:did/data',
        status: '200',
      }),
    ).toBeGreaterThanOrEqual(3);
    expect(sample(apiMetrics, 'cdp_query_cache_requests_total', { result: 'hit' })).toBeGreaterThan(0);
    expect(apiMetrics).toContain('cdp_job_queue_depth');
    expect((await fetch(`${apis[1]?.admin}/metrics`)).status).toBe(401);
  });

  it('a worker loads the export renderers at its first export, not when it starts or runs pipelines', async () => {
    // The renderers' native module (resvg) is mapped into a process once @cdp/reports is loaded.
    const rendering = () => workers.map((w) => readFileSync(`/proc/${w.cdp.child.pid}/maps`, 'utf8').includes('resvg'));
    expect(rendering()).toEqual([false, false]);
    const dashboards = await call(A(), 'GET', `/api/studies/${studyId}/dashboards`);
    const dashboardId = dashboards.body.data[0].id as string;
    const base = `/api/studies/${studyId}/dashboards/${dashboardId}/exports`;
    // Excel: the cheapest document to make, and it loads the renderers as a whole like the others.
    const queued = await call(A(), 'POST', base, { format: 'xlsx', filters: [], options: {} });
    expect(queued.status, queued.text).toBe(202);
    const done = await until(
      'the export',
      async () => {
        const got = await call(B(), 'GET', `${base}/${queued.body.data.id}`);
        return ['SUCCEEDED', 'FAILED'].includes(got.body.data.status) ? got.body.data : null;
      },
      150_000,
    );
    expect(done.status, JSON.stringify(done)).toBe('SUCCEEDED');
    const file = await fetch(`${B()}${base}/${queued.body.data.id}/file`, {
      headers: { authorization: `Bearer ${token}` },
    });
    expect(
      Buffer.from(await file.arrayBuffer())
        .subarray(0, 2)
        .toString(),
    ).toBe('PK');
    // The worker that rendered it loaded them (from the build's chunk); the other still has not.
    expect(rendering().filter(Boolean)).toHaveLength(1);
  }, 180_000);

  it('a worker killed in the middle of a run: the other takes the run over, and it makes one output version', async () => {
    const created = await call(A(), 'POST', `/api/studies/${studyId}/pipelines`, {
      name: 'Slow Python',
      kind: 'python',
      body: {
        script: ['import time', 'time.sleep(6)', 'dm = read_dataset("DM")', 'save_dataset(dm, "dm_copy")'].join('\n'),
      },
      inputs: [{ name: 'DM', source: { kind: 'dataset', dataset: 'DM' } }],
      outputs: ['dm_copy'],
    });
    expect(created.status, created.text).toBe(201);
    const pipelineId = created.body.data.id as string;
    const queued = await call(A(), 'POST', `/api/studies/${studyId}/pipelines/${pipelineId}/runs`);
    const runId = queued.body.data.id as string;
    const running = await until('the run to start', async () => {
      const { rows } = await admin.query(`select worker_id from pipeline_runs where id = $1 and status = 'RUNNING'`, [
        runId,
      ]);
      return rows[0]?.worker_id as string | undefined;
    });
    // Every JSON log line of a process names its run id: the id a pipeline run records as its worker.
    const victim = workers.find((w) => w.cdp.output().includes(`"run":"${running}"`));
    if (!victim) throw new Error(`no worker logged run id ${running}`);
    await sleep(1000);
    victim.cdp.child.kill('SIGKILL');
    await victim.cdp.exited;

    const done = await until(
      'the run to finish on the other worker',
      async () => {
        const got = await call(B(), 'GET', `/api/studies/${studyId}/pipelines/${pipelineId}/runs/${runId}`);
        return ['SUCCEEDED', 'FAILED', 'CANCELLED'].includes(got.body.data.status) ? got.body.data : null;
      },
      90_000,
    );
    expect(done, JSON.stringify(done.error)).toMatchObject({ status: 'SUCCEEDED', attempts: 2 });
    const { rows } = await admin.query('select worker_id from pipeline_runs where id = $1', [runId]);
    expect(rows[0].worker_id).not.toBe(running);
    const outputs = await admin.query('select count(*)::int as n from pipeline_outputs where run_id = $1', [runId]);
    expect(outputs.rows[0].n).toBe(1);
    const log = await call(B(), 'GET', `/api/studies/${studyId}/pipelines/${pipelineId}/runs/${runId}`);
    expect(JSON.stringify(log.body.data.log)).toContain('queued again');
  }, 120_000);

  it('the sign-in limit per address holds across both APIs together', async () => {
    // Fixed one-minute windows: start early in one, so the whole burst falls into it.
    while (new Date().getSeconds() > 40) await sleep(1000);
    const statuses: number[] = [];
    for (let i = 0; i <= LOGIN_LIMIT; i++) {
      const res = await login(i % 2 === 0 ? A() : B(), `nobody-${i}@example.com`, 'wrong-password-123');
      statuses.push(res.status);
    }
    // Each process alone has seen about half the attempts: only a shared count reaches the limit.
    expect(statuses.at(-1)).toBe(429);
    expect(statuses.slice(0, 2)).not.toContain(429);
  });

  it('SIGTERM: an API and a worker drain and stop cleanly', async () => {
    const api = apis[1] as (typeof apis)[number];
    const worker = workers.find((w) => w.cdp.child.exitCode === null && w.cdp.child.signalCode === null);
    api.cdp.child.kill('SIGTERM');
    worker?.cdp.child.kill('SIGTERM');
    expect(await api.cdp.exited).toBe(0);
    expect(await worker?.cdp.exited).toBe(0);
    expect(api.cdp.output()).toContain('"msg":"stopping"');
  });
});
