import { execFile } from 'node:child_process';
import { chmod, cp, mkdtemp, readFile, rm } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { promisify } from 'node:util';
import { createDatabase, type Database } from '@cdp/db';
import { buildOrganization, buildStudy, buildUser } from '@cdp/db/testing';
import pg from 'pg';
import { hashPassword } from '../apps/server/src/auth/passwords.ts';
import { AccessTokens } from '../apps/server/src/auth/tokens.ts';
import { loadConfig } from '../apps/server/src/config.ts';
import { startEmbeddedPostgres } from '../apps/server/src/lib/embedded-postgres.ts';
import { createLogger } from '../apps/server/src/lib/logger.ts';
import { holdRunLock } from '../apps/server/src/lib/process-run.ts';
import { loadGeneratedVersion } from '../apps/server/src/seed/load-demo-data.ts';
import { BUILT_MAIN, type CdpProcess, freePort, ROOT, runBuiltCdp, waitUntilReady } from '../scripts/cdp-process.ts';
import { type ProbedProcess, startProbe } from './cluster-probes.ts';
import { summarizeCpuProfiles } from './cpu-profile-summary.ts';
import { treeCpuSeconds } from './process-cpu.ts';
import { api } from './server.ts';

/**
 * `npm run bench -- cluster` (issue 18): two `cdp api` and two `cdp worker` processes of the
 * production build on one PostgreSQL, beside the same load on one `cdp start`, in the same run.
 * Three organizations of 40 users each (closed loop, BENCH_THINK_MS between requests) view dashboard
 * widgets, list studies and versions, read dataset rows and upload small files for BENCH_DURATION
 * seconds (60 by default), while a pipeline run and a PDF export are queued every
 * BENCH_JOB_INTERVAL seconds. Reports p50/p95/p99 and errors per route, and each job's outcome and
 * latency, checked for lost and duplicate runs.
 *
 * Where the time goes (cluster-probes.ts): CPU per process and of the whole machine over the load,
 * each API process's event-loop delay, pool waits and server-side latency from its /metrics, and
 * PostgreSQL's backends sampled (running, waiting on a lock).
 *   BENCH_CLUSTER_USERS=10,20,40   a sweep: the cluster at each load (users per organization)
 *   BENCH_CLUSTER_BASELINE=<dir>   a checkout whose `npm run build:server` is the reference: its
 *                                  cluster and ours alternate (BENCH_CLUSTER_ROUNDS pairs, 1), same load
 *   BENCH_CLUSTER_SINGLE=0         leaves out the single `cdp start`
 *   BENCH_CLUSTER_ROUTE_COST=N     before the load, N requests of each route one at a time through the
 *                                  first API (N/10 uploads first): its CPU (and PostgreSQL's) per
 *                                  request, by route, also less what both burn idle
 *   BENCH_CLUSTER_ROUTE_COST_ONLY=versions,dashboards   only the routes whose name contains one of these
 *   BENCH_CLUSTER_PROFILE=1        CPU-profiles the API processes (--cpu-prof) and prints where their
 *                                  main thread spent it; BENCH_CLUSTER_PROFILE_KEEP=<dir> keeps the files
 */

const run = promisify(execFile);
const DURATION_SECONDS = Number(process.env.BENCH_DURATION ?? 60);
const THINK_MS = Number(process.env.BENCH_THINK_MS ?? 500);
const JOB_INTERVAL_SECONDS = Number(process.env.BENCH_JOB_INTERVAL ?? 5);
const ORGS = 3;
const USER_SWEEP = (process.env.BENCH_CLUSTER_USERS ?? '40').split(',').map((n) => Number(n.trim()));
const BASELINE_MAIN = process.env.BENCH_CLUSTER_BASELINE
  ? path.resolve(process.env.BENCH_CLUSTER_BASELINE, 'apps/server/dist/main.js')
  : null;
const ROUNDS = Number(process.env.BENCH_CLUSTER_ROUNDS ?? 1);
const WITH_SINGLE = process.env.BENCH_CLUSTER_SINGLE !== '0';
const PROFILE = process.env.BENCH_CLUSTER_PROFILE === '1';
/** BENCH_CLUSTER_PROFILE_KEEP=<dir>: the .cpuprofile files are copied there (to open in a profiler). */
const PROFILE_KEEP = process.env.BENCH_CLUSTER_PROFILE_KEEP;
const ROUTE_COST_REQUESTS = Number(process.env.BENCH_CLUSTER_ROUTE_COST ?? 0);
/** Only the routes whose name contains one of these (comma-separated), for BENCH_CLUSTER_ROUTE_COST. */
const ROUTE_COST_ONLY = (process.env.BENCH_CLUSTER_ROUTE_COST_ONLY ?? '').split(',').filter(Boolean);
const SUBJECTS = 300;
const PASSWORD = 'Bench-Cluster-Password-2026';
const JOB_DRAIN_MS = 180_000;

/** What a simulated user does, with its weight and whether it is metadata (p95 < 100 ms) or widget data (< 500 ms). */
const ACTIONS = [
  { route: 'GET /api/studies', weight: 20, budgetMs: 100 },
  { route: 'GET …/versions', weight: 15, budgetMs: 100 },
  { route: 'GET …/dashboards', weight: 10, budgetMs: 100 },
  { route: 'GET …/widgets/:wid/data', weight: 35, budgetMs: 500 },
  { route: 'GET …/datasets/:name/rows', weight: 17, budgetMs: 500 },
  { route: 'POST …/uploads', weight: 3, budgetMs: null },
] as const;
type Route = (typeof ACTIONS)[number]['route'];

interface Org {
  studyId: string;
  versionId: string;
  dashboardId: string;
  widgets: string[];
  pipelineId: string;
  tokens: string[];
}

interface Installation {
  name: string;
  /** processes whose CPU (and /metrics) the probe reads */
  probed: ProbedProcess[];
  /** where the API processes write their CPU profiles (BENCH_CLUSTER_PROFILE) */
  profileDir?: string;
  /** API base URLs the load spreads over (a load balancer's round robin). */
  urls: string[];
  adminUrl: string;
  appUrl: string;
  dataDir: string;
  stop(): Promise<void>;
}

function percentile(sorted: number[], p: number): number {
  if (sorted.length === 0) return Number.NaN;
  return sorted[Math.min(sorted.length - 1, Math.max(0, Math.ceil((p / 100) * sorted.length) - 1))] ?? Number.NaN;
}

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

const BASE_ENV = {
  CDP_DEMO_PASSWORD: PASSWORD,
  CDP_SEED_DEMO: 'false',
  LOG_LEVEL: 'error',
  HOST: '127.0.0.1',
  // 120 simulated people sign in from one address.
  LOGIN_RATE_LIMIT_PER_MINUTE: '100000',
};

/** The postmaster's process id, from the first line of its data folder's postmaster.pid. */
async function postmasterPid(pgDir: string): Promise<number> {
  return Number((await readFile(path.join(pgDir, 'postmaster.pid'), 'utf8')).split('\n')[0]);
}

async function cluster(root: string, main: string): Promise<Installation> {
  const postgres = await startEmbeddedPostgres({
    dir: path.join(root, 'pg'),
    port: await freePort(),
    password: 'bench-cluster-superuser',
    log: createLogger('silent'),
  });
  const appPassword = 'bench-cluster-app-password-0123';
  const env = {
    ...BASE_ENV,
    DATABASE_URL: postgres.adminUrl,
    DATABASE_APP_PASSWORD: appPassword,
    DATA_DIR: path.join(root, 'data'),
  };
  const migrate = runBuiltCdp('migrate', env, [], { main });
  if ((await migrate.exited) !== 0) throw new Error(`cdp migrate failed:\n${migrate.output()}`);
  const seeded = runBuiltCdp('seed', env, [], { main });
  if ((await seeded.exited) !== 0) throw new Error(`cdp seed failed:\n${seeded.output()}`);
  const processes: CdpProcess[] = [];
  const urls: string[] = [];
  const probed: ProbedProcess[] = [];
  const profileDir = PROFILE ? path.join(root, 'profiles') : undefined;
  for (let i = 0; i < 2; i++) {
    const [port, metricsPort] = [await freePort(), await freePort()];
    const nodeArgs = profileDir ? ['--cpu-prof', `--cpu-prof-dir=${profileDir}`] : [];
    processes.push(
      runBuiltCdp('api', { ...env, PORT: String(port), METRICS_PORT: String(metricsPort) }, [], { main, nodeArgs }),
    );
    urls.push(`http://127.0.0.1:${port}`);
    probed.push({ role: `api ${i + 1}`, pid: processes.at(-1)?.child.pid ?? 0, metricsUrl: metricsAt(metricsPort) });
  }
  for (let i = 0; i < 2; i++) {
    const metricsPort = await freePort();
    processes.push(runBuiltCdp('worker', { ...env, METRICS_PORT: String(metricsPort) }, [], { main }));
    probed.push({ role: `worker ${i + 1}`, pid: processes.at(-1)?.child.pid ?? 0, metricsUrl: metricsAt(metricsPort) });
  }
  for (const [i, url] of urls.entries()) await waitUntilReady(url, processes[i] as CdpProcess, 180_000);
  probed.push({ role: 'postgresql', pid: await postmasterPid(path.join(root, 'pg')) });
  const appUrl = new URL(postgres.adminUrl);
  appUrl.username = 'cdp_app';
  appUrl.password = appPassword;
  return {
    name: 'cluster: 2 × cdp api + 2 × cdp worker, one PostgreSQL',
    probed,
    ...(profileDir ? { profileDir } : {}),
    urls,
    adminUrl: postgres.adminUrl,
    appUrl: appUrl.toString(),
    dataDir: env.DATA_DIR,
    stop: async () => {
      await Promise.all(processes.map((p) => p.stop(10_000)));
      await postgres.stop();
    },
  };
}

function metricsAt(port: number): string {
  return `http://127.0.0.1:${port}/metrics`;
}

async function single(root: string, main: string): Promise<Installation> {
  const dataDir = path.join(root, 'data');
  const [port, pgPort, metricsPort] = [await freePort(), await freePort(), await freePort()];
  const cdp = runBuiltCdp(
    'start',
    {
      ...BASE_ENV,
      DATA_DIR: dataDir,
      PORT: String(port),
      EMBEDDED_PG_PORT: String(pgPort),
      METRICS_PORT: String(metricsPort),
    },
    [],
    { main },
  );
  const url = `http://127.0.0.1:${port}`;
  await waitUntilReady(url, cdp, 180_000);
  const secrets = JSON.parse(await readFile(path.join(dataDir, 'secrets.json'), 'utf8'));
  return {
    name: 'single: one cdp start (embedded PostgreSQL)',
    // Its tree holds the embedded PostgreSQL: "child processes" below.
    probed: [{ role: 'cdp start', pid: cdp.child.pid ?? 0, metricsUrl: metricsAt(metricsPort) }],
    urls: [url],
    adminUrl: `postgres://postgres:${encodeURIComponent(secrets.pgSuperPassword)}@127.0.0.1:${pgPort}/cdp`,
    appUrl: `postgres://cdp_app:${encodeURIComponent(secrets.appDbPassword)}@127.0.0.1:${pgPort}/cdp`,
    dataDir,
    stop: async () => {
      await cdp.stop(10_000);
    },
  };
}

/** Three organizations, each a 300-subject study with a version, an Overview dashboard, a pipeline and 40 people. */
async function prepare(installation: Installation, usersPerOrg: number): Promise<Org[]> {
  const database: Database = createDatabase({ connectionString: installation.appUrl, max: 4 });
  const ctx = {
    config: loadConfig({ DATA_DIR: installation.dataDir, LOG_LEVEL: 'silent' }),
    database,
    log: createLogger('silent'),
    tokens: new AccessTokens('x'.repeat(32), 900),
  };
  // The bench writes versions into the installation's data folder itself: it holds a run lock as
  // a CDP process does, or the workers' sweep takes its temp files for a dead process's leftovers.
  const releaseRunLock = await holdRunLock(installation.appUrl);
  const passwordHash = await hashPassword(PASSWORD);
  const base = installation.urls[0] as string;
  const orgs: Org[] = [];
  try {
    for (let o = 0; o < ORGS; o++) {
      const org = await buildOrganization(database);
      const study = await buildStudy(database, { orgId: org.id });
      const version = await loadGeneratedVersion(ctx, study, {
        subjects: SUBJECTS,
        sites: 10,
        seed: 180 + o,
        studyId: study.code,
      });
      const tokens: string[] = [];
      for (let u = 0; u < usersPerOrg; u++) {
        const user = await buildUser(database, { orgId: org.id, role: 'study_manager', passwordHash });
        const login = await api<{ accessToken: string }>(`${base}/api/auth/login`, null, 'POST', {
          email: user.email,
          password: PASSWORD,
        });
        tokens.push(login.accessToken);
      }
      const token = tokens[0] as string;
      const studyBase = `${base}/api/studies/${study.id}`;
      const { data: dashboard } = await api<{
        data: { id: string; document: { pages: { layout: { i: string }[] }[] } };
      }>(`${studyBase}/dashboards`, token, 'POST', { name: 'Cluster bench', templateId: 'clinical-study-overview' });
      const { data: pipeline } = await api<{ data: { id: string } }>(`${studyBase}/pipelines`, token, 'POST', {
        name: 'Cluster bench',
        kind: 'sql',
        body: { statements: [{ name: 'dm_age', sql: 'SELECT USUBJID, ARM, AGE FROM DM WHERE AGE >= 18' }] },
        inputs: [{ name: 'DM', source: { kind: 'dataset', dataset: 'DM' } }],
        outputs: ['dm_age'],
      });
      orgs.push({
        studyId: study.id,
        versionId: version.version.id,
        dashboardId: dashboard.id,
        widgets: (dashboard.document.pages[0]?.layout ?? []).map((w) => w.i).slice(0, 6),
        pipelineId: pipeline.id,
        tokens,
      });
    }
  } finally {
    await database.close();
    await releaseRunLock();
  }
  return orgs;
}

function pick<T>(items: readonly T[]): T {
  return items[Math.floor(Math.random() * items.length)] as T;
}

function chooseAction(): (typeof ACTIONS)[number] {
  let roll = Math.random() * ACTIONS.reduce((sum, a) => sum + a.weight, 0);
  for (const action of ACTIONS) {
    roll -= action.weight;
    if (roll < 0) return action;
  }
  return ACTIONS[0];
}

async function request(base: string, org: Org, token: string, route: Route): Promise<number> {
  const study = `${base}/api/studies/${org.studyId}`;
  const headers = { authorization: `Bearer ${token}` };
  let res: Response;
  switch (route) {
    case 'GET /api/studies':
      res = await fetch(`${base}/api/studies`, { headers });
      break;
    case 'GET …/versions':
      res = await fetch(`${study}/versions`, { headers });
      break;
    case 'GET …/dashboards':
      res = await fetch(`${study}/dashboards`, { headers });
      break;
    case 'GET …/widgets/:wid/data':
      res = await fetch(`${study}/dashboards/${org.dashboardId}/widgets/${pick(org.widgets)}/data`, { headers });
      break;
    case 'GET …/datasets/:name/rows': {
      const dataset = pick(['DM', 'AE', 'LB', 'VS']);
      const offset = Math.floor(Math.random() * 200);
      res = await fetch(`${study}/versions/${org.versionId}/datasets/${dataset}/rows?limit=50&offset=${offset}`, {
        headers,
      });
      break;
    }
    case 'POST …/uploads': {
      const form = new FormData();
      const rows = Array.from({ length: 50 }, (_, i) => `S-${i},${20 + (i % 60)}`).join('\n');
      form.append('file', new Blob([`USUBJID,AGE\n${rows}\n`]), 'extra.csv');
      res = await fetch(`${study}/uploads`, { method: 'POST', headers, body: form });
      break;
    }
  }
  await res.arrayBuffer();
  return res.status;
}

interface JobRecord {
  kind: 'pipeline' | 'export';
  org: Org;
  id: string;
  base: string;
}

async function load(installation: Installation, orgs: Org[]) {
  const probe = await startProbe(installation.probed, installation.adminUrl);
  const latencies = new Map<Route, number[]>(ACTIONS.map((a) => [a.route, []]));
  const errors = new Map<Route, Record<string, number>>();
  const deadline = Date.now() + DURATION_SECONDS * 1000;
  let next = 0;
  const base = () => installation.urls[next++ % installation.urls.length] as string;

  const user = async (org: Org, token: string) => {
    await sleep(Math.random() * THINK_MS);
    while (Date.now() < deadline) {
      const { route } = chooseAction();
      const started = performance.now();
      const status = await request(base(), org, token, route).catch(() => 0);
      const expected = route === 'POST …/uploads' ? 201 : 200;
      const latency = performance.now() - started;
      probe.record(latency);
      if (status === expected) latencies.get(route)?.push(latency);
      else {
        const counts = errors.get(route) ?? {};
        counts[String(status)] = (counts[String(status)] ?? 0) + 1;
        errors.set(route, counts);
      }
      await sleep(THINK_MS * (0.5 + Math.random()));
    }
  };

  const jobs: JobRecord[] = [];
  const jobErrors: string[] = [];
  const queueJobs = async () => {
    let i = 0;
    while (Date.now() < deadline) {
      const org = orgs[i % orgs.length] as Org;
      const token = org.tokens[0] as string;
      const at = base();
      const study = `${at}/api/studies/${org.studyId}`;
      try {
        const runQueued = await api<{ data: { id: string } }>(
          `${study}/pipelines/${org.pipelineId}/runs`,
          token,
          'POST',
        );
        jobs.push({ kind: 'pipeline', org, id: runQueued.data.id, base: at });
        const exportQueued = await api<{ data: { id: string } }>(
          `${study}/dashboards/${org.dashboardId}/exports`,
          token,
          'POST',
          { format: 'pdf' },
        );
        jobs.push({ kind: 'export', org, id: exportQueued.data.id, base: at });
      } catch (error) {
        jobErrors.push(error instanceof Error ? error.message : String(error));
      }
      i += 1;
      await sleep(JOB_INTERVAL_SECONDS * 1000);
    }
  };

  await Promise.all([...orgs.flatMap((org) => org.tokens.map((token) => user(org, token))), queueJobs()]);
  const breakdown = await probe.finish();

  const routes: Record<string, unknown> = {};
  for (const action of ACTIONS) {
    const sorted = (latencies.get(action.route) ?? []).sort((a, b) => a - b);
    const p95 = Math.round(percentile(sorted, 95));
    routes[action.route] = {
      ok: sorted.length,
      errors: errors.get(action.route) ?? {},
      p50Ms: Math.round(percentile(sorted, 50)),
      p95Ms: p95,
      p99Ms: Math.round(percentile(sorted, 99)),
      ...(action.budgetMs === null ? {} : { budgetP95Ms: action.budgetMs, withinBudget: p95 < action.budgetMs }),
    };
  }
  // CPU per request hardly depends on the machine's other load: the demand side of item 3 (issue 18).
  const served = [...latencies.values()].reduce((sum, l) => sum + l.length, 0);
  const processes = breakdown.processes as { role: string; cores: number }[];
  const cpuOf = (role: string) =>
    processes.filter((p) => p.role.startsWith(role)).reduce((sum, p) => sum + p.cores, 0) *
    (breakdown.seconds as number);
  const demand = {
    requestsServed: served,
    requestsPerSecond: Number((served / (breakdown.seconds as number)).toFixed(1)),
    apiCpuMsPerRequest: served === 0 ? null : Math.round(((cpuOf('api') + cpuOf('cdp start')) * 1000) / served),
    workerCpuSecondsPerJob: jobs.length === 0 ? null : Number((cpuOf('worker') / jobs.length).toFixed(2)),
  };
  return { routes, jobs, jobErrors, breakdown: { ...breakdown, demand } };
}

/** Waits for every queued job, then checks each ran exactly once (one job row, one output version). */
async function settle(installation: Installation, jobs: JobRecord[]) {
  const admin = new pg.Client({ connectionString: installation.adminUrl });
  await admin.connect();
  try {
    const runIds = jobs.filter((j) => j.kind === 'pipeline').map((j) => j.id);
    const exportIds = jobs.filter((j) => j.kind === 'export').map((j) => j.id);
    const end = Date.now() + JOB_DRAIN_MS;
    let pending = Number.POSITIVE_INFINITY;
    while (pending > 0 && Date.now() < end) {
      const { rows } = await admin.query<{ n: number }>(
        `select (select count(*) from pipeline_runs where id = any($1::uuid[]) and status in ('QUEUED', 'RUNNING'))
              + (select count(*) from exports where id = any($2::uuid[]) and status in ('QUEUED', 'RUNNING'))
              as n`,
        [runIds, exportIds],
      );
      pending = Number(rows[0]?.n);
      if (pending > 0) await sleep(500);
    }
    const runs = await admin.query<{
      status: string;
      attempts: number;
      seconds: number;
      outputs: number;
      jobs: number;
    }>(
      `select r.status, r.attempts, extract(epoch from r.finished_at - r.queued_at)::float as seconds,
              (select count(*)::int from pipeline_outputs o where o.run_id = r.id) as outputs,
              (select count(*)::int from pgboss.job j where j.name = 'pipelines.run' and j.data->>'runId' = r.id::text) as jobs
         from pipeline_runs r where r.id = any($1::uuid[])`,
      [runIds],
    );
    const exports = await admin.query<{ status: string; seconds: number }>(
      `select status, extract(epoch from finished_at - created_at)::float as seconds
         from exports where id = any($1::uuid[])`,
      [exportIds],
    );
    const summary = (rows: { status: string; seconds: number }[], queued: number) => {
      const seconds = rows
        .filter((r) => r.status === 'SUCCEEDED')
        .map((r) => r.seconds)
        .sort((a, b) => a - b);
      const byStatus: Record<string, number> = {};
      for (const r of rows) byStatus[r.status] = (byStatus[r.status] ?? 0) + 1;
      return {
        queued,
        byStatus,
        lost: queued - rows.length + (byStatus.QUEUED ?? 0) + (byStatus.RUNNING ?? 0),
        latencySeconds: {
          p50: Number(percentile(seconds, 50).toFixed(2)),
          p95: Number(percentile(seconds, 95).toFixed(2)),
          max: Number((seconds.at(-1) ?? Number.NaN).toFixed(2)),
        },
      };
    };
    return {
      pipelines: {
        ...summary(runs.rows, runIds.length),
        ranTwice: runs.rows.filter((r) => r.outputs > 1 || r.jobs > 1).length,
        retried: runs.rows.filter((r) => r.attempts > 1).length,
      },
      exports: summary(exports.rows, exportIds.length),
    };
  } finally {
    await admin.end();
  }
}

/**
 * CPU per request by route, measured with nothing else of ours running: one request at a time
 * through the first API process. CPU time, unlike latency, hardly depends on the machine's other
 * load, so this is the demand side: ms of CPU per request × requests per second against the cores.
 */
async function routeCost(installation: Installation, orgs: Org[], count: number) {
  const api = installation.probed.find((p) => p.role === 'api 1' || p.role === 'cdp start');
  const postgres = installation.probed.find((p) => p.role === 'postgresql');
  const base = installation.urls[0] as string;
  const org = orgs[0] as Org;
  const out: Record<string, unknown> = {};
  // Uploads first, so the versions list is measured at the length it reaches (it grows with each upload).
  const uploadsFirst = [...ACTIONS].sort(
    (a, b) => Number(b.route === 'POST …/uploads') - Number(a.route === 'POST …/uploads'),
  );
  // What the API process and PostgreSQL burn with no request (job polls, the actor cache's poll, the
  // rate counters' flushes, PostgreSQL's background): subtracted per request by its wall time, so a
  // slower request on a busier machine is not charged for more of that background.
  const idle = await idleCpuPerSecond([api?.pid, postgres?.pid], ROUTE_COST_IDLE_SECONDS);
  for (const action of uploadsFirst) {
    if (ROUTE_COST_ONLY.length > 0 && !ROUTE_COST_ONLY.some((part) => action.route.includes(part))) continue;
    const n = action.route === 'POST …/uploads' ? Math.max(1, Math.round(count / 10)) : count;
    const before = [treeCpuSeconds(api?.pid), treeCpuSeconds(postgres?.pid)];
    const started = performance.now();
    for (let i = 0; i < n; i++) await request(base, org, org.tokens[i % org.tokens.length] as string, action.route);
    const wallMs = (performance.now() - started) / n;
    const after = [treeCpuSeconds(api?.pid), treeCpuSeconds(postgres?.pid)];
    const perRequest = (i: number) => (((after[i] ?? 0) - (before[i] ?? 0)) * 1000) / n;
    const lessIdle = (i: number) => round1(perRequest(i) - ((idle[i] ?? 0) * wallMs) / 1000);
    out[action.route] = {
      requests: n,
      apiCpuMs: round1(perRequest(0)),
      apiCpuMsLessIdle: lessIdle(0),
      ...(postgres ? { postgresCpuMs: round1(perRequest(1)), postgresCpuMsLessIdle: lessIdle(1) } : {}),
      wallMs: Math.round(wallMs),
    };
  }
  return { idleCpuMsPerSecond: idle.map(round1), routes: out };
}

const ROUTE_COST_IDLE_SECONDS = 4;
const round1 = (n: number) => Math.round(n * 10) / 10;

/** CPU ms per second of wall time each process tree burns over `seconds` with no request sent. */
async function idleCpuPerSecond(pids: (number | undefined)[], seconds: number): Promise<number[]> {
  const before = pids.map((pid) => treeCpuSeconds(pid));
  const started = performance.now();
  await sleep(seconds * 1000);
  const wall = (performance.now() - started) / 1000;
  return pids.map((pid, i) => (((treeCpuSeconds(pid) ?? 0) - (before[i] ?? 0)) * 1000) / wall);
}

async function keepProfiles(from: string): Promise<string> {
  const to = path.resolve(PROFILE_KEEP as string, path.basename(path.dirname(from)));
  await cp(from, to, { recursive: true });
  return to;
}

async function measure(kind: 'cluster' | 'single', usersPerOrg: number, main = BUILT_MAIN) {
  const root = await mkdtemp(path.join(os.tmpdir(), `cdp-bench-${kind}-`));
  await chmod(root, 0o755);
  const installation = kind === 'cluster' ? await cluster(root, main) : await single(root, main);
  let stopped = false;
  try {
    const orgs = await prepare(installation, usersPerOrg);
    const cpuPerRequest = ROUTE_COST_REQUESTS > 0 ? await routeCost(installation, orgs, ROUTE_COST_REQUESTS) : null;
    const loadAverageBefore = Number((os.loadavg()[0] ?? 0).toFixed(1));
    const { routes, jobs, jobErrors, breakdown } = await load(installation, orgs);
    const loadAverageAfter = Number((os.loadavg()[0] ?? 0).toFixed(1));
    const settled = await settle(installation, jobs);
    // The profiles are written when the processes exit.
    await installation.stop();
    stopped = true;
    return {
      installation: installation.name,
      build: main === BUILT_MAIN ? 'this checkout' : main,
      usersPerOrganization: usersPerOrg,
      loadAverage1m: { before: loadAverageBefore, after: loadAverageAfter },
      routes,
      ...(cpuPerRequest ? { cpuPerRequestAlone: cpuPerRequest } : {}),
      jobs: { ...settled, queueErrors: jobErrors.slice(0, 5) },
      whereTheTimeGoes: breakdown,
      ...(installation.profileDir ? { apiMainThreadProfile: await summarizeCpuProfiles(installation.profileDir) } : {}),
      ...(installation.profileDir && PROFILE_KEEP
        ? { profilesKeptIn: await keepProfiles(installation.profileDir) }
        : {}),
    };
  } finally {
    if (!stopped) await installation.stop();
    await rm(root, { recursive: true, force: true });
  }
}

/** Each run as it ends, so a later failure (or a run stopped for time) does not lose the earlier ones. */
function reportRun(runs: Record<string, unknown>[]): void {
  process.stderr.write(`cluster run done: ${JSON.stringify(runs.at(-1))}\n`);
}

export async function benchCluster() {
  await run(process.execPath, [path.join(ROOT, 'scripts/build-server.mjs')], { cwd: ROOT });
  // One after the other, so each has the machine to itself; the same load.
  const runs: Record<string, unknown>[] = [];
  for (const users of USER_SWEEP) {
    if (BASELINE_MAIN) {
      // Ours and the reference alternate (ABAB…), so a change in the machine's other load falls on both.
      for (let round = 0; round < ROUNDS; round++) {
        runs.push({ label: `ours, round ${round + 1}`, ...(await measure('cluster', users)) });
        reportRun(runs);
        runs.push({ label: `baseline, round ${round + 1}`, ...(await measure('cluster', users, BASELINE_MAIN)) });
        reportRun(runs);
      }
    } else {
      runs.push({ label: 'cluster', ...(await measure('cluster', users)) });
      reportRun(runs);
    }
  }
  const single = WITH_SINGLE ? await measure('single', USER_SWEEP.at(-1) ?? 40) : null;
  return {
    benchmark: `${ORGS} organizations × ${USER_SWEEP.join(' / ')} users (think ${THINK_MS} ms), ${DURATION_SECONDS} s, a pipeline run and a PDF export every ${JOB_INTERVAL_SECONDS} s`,
    cpus: os.availableParallelism(),
    cluster: runs.length === 1 ? runs[0] : runs,
    ...(single ? { single } : {}),
    targets: '0 errors; p95 < 100 ms metadata, < 500 ms widget data; no job lost or run twice',
  };
}
