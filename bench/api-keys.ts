import os from 'node:os';
import autocannon from 'autocannon';
import { prepareBenchUsers } from './api-studies.ts';
import { cpuSplitSeconds, treeCpuSeconds } from './process-cpu.ts';
import { api, type BenchServer, DEMO_PASSWORD } from './server.ts';

const CLIENTS = 40;
/** Seconds per measured phase; each route runs ROUNDS × 2 phases per side (ABBA). */
const DURATION_SECONDS = Number(process.env.BENCH_DURATION ?? 15);
/** Unmeasured load before every phase, with that phase's own credentials. */
const WARMUP_SECONDS = Number(process.env.BENCH_API_KEYS_WARMUP ?? 5);
/**
 * Seconds with no load before each phase's warm-up, in which the server's own CPU is measured (job
 * polls, the actor cache's and the rate counter's timers, PostgreSQL's background work): a fixed
 * cost per second that CPU per request would otherwise spread over however many requests the
 * machine let through.
 */
const IDLE_SECONDS = Number(process.env.BENCH_API_KEYS_IDLE ?? 3);
/** ABBA rounds per route: key, signed-in, signed-in, key. */
const ROUNDS = Number(process.env.BENCH_API_KEYS_ROUNDS ?? 1);

/** The per-route limit of keys on GET /api/studies (100/h) is the product's; the load needs room. */
export const API_KEYS_BENCH_ENV = { RATE_LIMIT_ROUTES: 'list_studies=100000000' };

function percentile(sorted: number[], p: number): number {
  if (sorted.length === 0) return Number.NaN;
  const index = Math.min(sorted.length - 1, Math.ceil((p / 100) * sorted.length) - 1);
  return sorted[Math.max(0, index)] ?? Number.NaN;
}

/** One autocannon load: every connection its own credential, sent as `header`. */
function load(
  url: string,
  credentials: string[],
  header: (credential: string) => Record<string, string>,
  seconds: number,
) {
  const latencies: number[] = [];
  let next = 0;
  const instance = autocannon({
    url,
    connections: credentials.length,
    duration: seconds,
    setupClient: (client) => client.setHeaders(header(credentials[next++ % credentials.length] ?? '')),
  });
  instance.on('response', (_client, _status, _bytes, responseTime) => latencies.push(responseTime));
  return instance.then((result) => {
    latencies.sort((a, b) => a - b);
    return {
      latencies,
      requests: result.requests.total,
      requestsPerSecond: Math.round(result.requests.average),
      errors: result.errors + result.timeouts + result.non2xx,
    };
  });
}

function latencyFigures(sorted: number[]) {
  return {
    p50: percentile(sorted, 50),
    p95: percentile(sorted, 95),
    p99: percentile(sorted, 99),
    max: sorted.at(-1) ?? Number.NaN,
  };
}

interface Phase {
  side: 'apiKey' | 'jwt';
  latencies: number[];
  requests: number;
  errors: number;
  cpuSeconds: number | null;
  /** The server's CPU per second with no requests, measured just before the phase. */
  idleCpuPerSecond: number | null;
  /** The server's CPU split: main thread, its other threads, its child processes (PostgreSQL). */
  split: { main: number; threads: number; children: number } | null;
  /** CLOCK_MONOTONIC µs at the phase's start and end: the window of a `--cpu-prof` profile it covers. */
  windowUs: [number, number];
  loadAverage1m: number;
}

/** Pooled figures of one side's phases: latencies merged, CPU per request over all their requests. */
/** A phase's CPU less what the server spends with no requests over as long a time. */
function netCpuSeconds(p: Phase): number | null {
  return p.cpuSeconds === null || p.idleCpuPerSecond === null
    ? null
    : Math.max(0, p.cpuSeconds - p.idleCpuPerSecond * DURATION_SECONDS);
}

function pooled(phases: Phase[]) {
  const latencies = phases.flatMap((p) => p.latencies).sort((a, b) => a - b);
  const requests = phases.reduce((n, p) => n + p.requests, 0);
  const cpu = phases.some((p) => p.cpuSeconds === null) ? null : phases.reduce((n, p) => n + (p.cpuSeconds ?? 0), 0);
  const net = phases.some((p) => netCpuSeconds(p) === null)
    ? null
    : phases.reduce((n, p) => n + (netCpuSeconds(p) ?? 0), 0);
  return {
    requests,
    errors: phases.reduce((n, p) => n + p.errors, 0),
    latencyMs: latencyFigures(latencies),
    serverCpuMsPerRequest: cpu === null ? null : round2((cpu * 1000) / Math.max(1, requests)),
    serverCpuMsPerRequestLessIdle: net === null ? null : round2((net * 1000) / Math.max(1, requests)),
  };
}

function round2(n: number): number {
  return Math.round(n * 100) / 100;
}

/** 40 keys of 40 people with data_scientist's reach, each key its own client. */
async function createKeys(server: BenchServer, tokens: string[]): Promise<string[]> {
  const keys: string[] = [];
  for (const token of tokens) {
    const created = await api<{ secret: string }>(`${server.url}/api/api-keys`, token, 'POST', {
      name: 'Benchmark client',
      scopes: ['study:view:assigned', 'dashboard:view:assigned', 'data:view:assigned'],
      hourlyLimit: 1_000_000,
      dailyLimit: 10_000_000,
    });
    keys.push(created.secret);
  }
  return keys;
}

/** A widget of the Clinical Study Overview on the demo study: its data is what keys and users load. */
async function widgetDataUrl(server: BenchServer): Promise<string> {
  const admin = (
    await api<{ accessToken: string }>(`${server.url}/api/auth/login`, null, 'POST', {
      email: 'admin@demo.cdp.local',
      password: DEMO_PASSWORD,
    })
  ).accessToken;
  const studies = await api<{ data: { id: string; code: string }[] }>(
    `${server.url}/api/studies?q=CDP-301`,
    admin,
    'GET',
  );
  const study = studies.data.find((s) => s.code === 'CDP-301');
  if (!study) throw new Error('the demo study CDP-301 is missing');
  const base = `${server.url}/api/studies/${study.id}/dashboards`;
  const { data } = await api<{ data: { id: string; document: { pages: { layout: { i: string }[] }[] } } }>(
    base,
    admin,
    'POST',
    { name: 'API keys benchmark', templateId: 'clinical-study-overview' },
  );
  const widget = data.document.pages[0]?.layout[0]?.i;
  if (!widget) throw new Error('the Overview has no widget');
  return `${base}/${data.id}/widgets/${widget}/data`;
}

/**
 * Issue 15's benchmark: 40 API-key clients beside 40 signed-in users (JWT), on GET /api/studies
 * and then on one widget's data, on the same server and data in the same run. The two sides run
 * one after the other in ABBA order (key, signed-in, signed-in, key; BENCH_API_KEYS_ROUNDS times),
 * each phase after the same unmeasured warm-up with its own credentials, so neither side always
 * runs first after set-up or while the machine drifts. Figures per phase and pooled per side; the
 * key-over-signed-in ratio is taken on the pooled figures.
 */
export async function benchApiKeys(server: BenchServer) {
  const tokens = (await prepareBenchUsers(server)).slice(0, CLIENTS);
  // The bench users are data scientists; keys need api:create_key, which an org admin holds.
  const admin = (
    await api<{ accessToken: string }>(`${server.url}/api/auth/login`, null, 'POST', {
      email: 'admin@demo.cdp.local',
      password: DEMO_PASSWORD,
    })
  ).accessToken;
  const keys = await createKeys(
    server,
    Array.from({ length: CLIENTS }, () => admin),
  );
  const widgetUrl = await widgetDataUrl(server);
  await fetch(widgetUrl, { headers: { 'x-api-key': keys[0] ?? '' } }); // first run computes; both loads then read the cache

  const sides = {
    apiKey: { credentials: keys, header: (key: string) => ({ 'x-api-key': key }) },
    jwt: { credentials: tokens, header: (token: string) => ({ authorization: `Bearer ${token}` }) },
  } as const;
  const order = Array.from({ length: ROUNDS }, () => ['apiKey', 'jwt', 'jwt', 'apiKey'] as const).flat();

  const routes: Record<string, unknown> = {};
  for (const [name, url] of [
    ['GET /api/studies', `${server.url}/api/studies`],
    ['GET …/widgets/:wid/data', widgetUrl],
  ] as const) {
    const phases: Phase[] = [];
    for (const side of order) {
      const { credentials, header } = sides[side];
      let idleCpuPerSecond: number | null = null;
      if (IDLE_SECONDS > 0) {
        const idleFrom = treeCpuSeconds(server.pid());
        const idleStarted = performance.now();
        await new Promise((resolve) => setTimeout(resolve, IDLE_SECONDS * 1000));
        const idleTo = treeCpuSeconds(server.pid());
        if (idleFrom !== null && idleTo !== null)
          idleCpuPerSecond = (idleTo - idleFrom) / ((performance.now() - idleStarted) / 1000);
      }
      if (WARMUP_SECONDS > 0) await load(url, credentials, header, WARMUP_SECONDS);
      // Server CPU per request (Node and PostgreSQL): hardly moved by the machine's other load, unlike latency.
      const before = cpuSplitSeconds(server.pid());
      const startUs = Number(process.hrtime.bigint() / 1000n);
      const result = await load(url, credentials, header, DURATION_SECONDS);
      const endUs = Number(process.hrtime.bigint() / 1000n);
      const after = cpuSplitSeconds(server.pid());
      const split =
        before === null || after === null
          ? null
          : {
              main: after.main - before.main,
              threads: after.threads - before.threads,
              children: after.children - before.children,
            };
      phases.push({
        side,
        latencies: result.latencies,
        requests: result.requests,
        errors: result.errors,
        cpuSeconds: split === null ? null : split.main + split.threads + split.children,
        idleCpuPerSecond,
        split,
        windowUs: [startUs, endUs],
        loadAverage1m: Number((os.loadavg()[0] ?? 0).toFixed(1)),
      });
    }
    const apiKey = pooled(phases.filter((p) => p.side === 'apiKey'));
    const jwt = pooled(phases.filter((p) => p.side === 'jwt'));
    const ratio = (a: number | null, b: number | null) => (a === null || b === null || b === 0 ? null : round2(a / b));
    const keyOverJwt = {
      p50: ratio(apiKey.latencyMs.p50, jwt.latencyMs.p50),
      p95: ratio(apiKey.latencyMs.p95, jwt.latencyMs.p95),
      p99: ratio(apiKey.latencyMs.p99, jwt.latencyMs.p99),
      serverCpuPerRequest: ratio(apiKey.serverCpuMsPerRequest, jwt.serverCpuMsPerRequest),
      serverCpuPerRequestLessIdle: ratio(apiKey.serverCpuMsPerRequestLessIdle, jwt.serverCpuMsPerRequestLessIdle),
    };
    routes[name] = {
      phases: phases.map((p, i) => ({
        order: i + 1,
        side: p.side,
        requests: p.requests,
        requestsPerSecond: Math.round(p.requests / DURATION_SECONDS),
        errors: p.errors,
        latencyMs: latencyFigures(p.latencies),
        serverCpuMsPerRequest: p.cpuSeconds === null ? null : round2((p.cpuSeconds * 1000) / Math.max(1, p.requests)),
        // Where that CPU went (ms per request): Node's main thread, its other threads (DuckDB, GC helpers), PostgreSQL.
        cpuSplitMsPerRequest: p.split && {
          main: round2((p.split.main * 1000) / Math.max(1, p.requests)),
          threads: round2((p.split.threads * 1000) / Math.max(1, p.requests)),
          postgres: round2((p.split.children * 1000) / Math.max(1, p.requests)),
        },
        idleServerCpuPercent: p.idleCpuPerSecond === null ? null : Math.round(p.idleCpuPerSecond * 100),
        serverCpuMsPerRequestLessIdle: (() => {
          const net = netCpuSeconds(p);
          return net === null ? null : round2((net * 1000) / Math.max(1, p.requests));
        })(),
        loadAverage1m: p.loadAverage1m,
        ...(process.env.BENCH_SERVER_NODE_ARGS?.includes('--cpu-prof') ? { profileWindowUs: p.windowUs } : {}),
      })),
      pooled: { apiKey, jwt },
      keyOverJwt,
      withinBudget: apiKey.latencyMs.p95 < 100 && jwt.latencyMs.p95 < 100 && (keyOverJwt.p95 ?? 2) <= 1.1,
    };
  }
  return {
    benchmark: `${CLIENTS} API-key clients, then ${CLIENTS} signed-in users (JWT), in ABBA order × ${ROUNDS}: ${DURATION_SECONDS} s per phase after ${IDLE_SECONDS} s idle (server CPU measured) and ${WARMUP_SECONDS} s of warm-up`,
    loadAverage1m: Number((os.loadavg()[0] ?? 0).toFixed(1)),
    routes,
    budget: 'p95 < 100 ms; pooled key p95 ≤ 1.10 × signed-in p95',
  };
}
