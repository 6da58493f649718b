import os from 'node:os';
import autocannon from 'autocannon';
import { prepareBenchUsers } from './api-studies.ts';
import { treeCpuSeconds } from './process-cpu.ts';
import { api, type BenchServer, DEMO_PASSWORD } from './server.ts';

const CLIENTS = 40;
const DURATION_SECONDS = Number(process.env.BENCH_DURATION ?? 30);
/**
 * The load is 40 clients "beside the same load with signed-in users in the same run": by
 * default the two loads run one after the other in the same run (40 clients at a time, the stated
 * load, on the same server and data); BENCH_API_KEYS_TOGETHER=1 runs them at once (80 clients).
 */
const SEQUENTIAL = process.env.BENCH_API_KEYS_TOGETHER !== '1';

/** The per-route limit of keys on GET /api/studies (100/h) is the product's; the load needs room. */
export const API_KEYS_BENCH_ENV = { RATE_LIMIT_ROUTES: 'list_studies=100000000' };

function percentile(sorted: number[], p: number): number {
  if (sorted.length === 0) return Number.NaN;
  const index = Math.min(sorted.length - 1, Math.ceil((p / 100) * sorted.length) - 1);
  return sorted[Math.max(0, index)] ?? Number.NaN;
}

/** One autocannon load: every connection its own credential, sent as `header`. */
function load(url: string, credentials: string[], header: (credential: string) => Record<string, string>) {
  const latencies: number[] = [];
  let next = 0;
  const instance = autocannon({
    url,
    connections: credentials.length,
    duration: DURATION_SECONDS,
    setupClient: (client) => client.setHeaders(header(credentials[next++ % credentials.length] ?? '')),
  });
  instance.on('response', (_client, _status, _bytes, responseTime) => latencies.push(responseTime));
  return instance.then((result) => {
    latencies.sort((a, b) => a - b);
    return {
      requests: result.requests.total,
      requestsPerSecond: Math.round(result.requests.average),
      latencyMs: {
        p50: percentile(latencies, 50),
        p95: percentile(latencies, 95),
        p99: percentile(latencies, 99),
        max: latencies.at(-1) ?? Number.NaN,
      },
      errors: result.errors + result.timeouts + result.non2xx,
    };
  });
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
 * Issue 15's benchmark: 40 API-key clients and 40 signed-in users (JWT) at the same time, on
 * GET /api/studies and then on one widget's data, so both paths see the same machine at the same
 * moment. Key authentication: a SHA-256 and one definer-function round trip, like the session's.
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

  const phases: Record<string, unknown> = {};
  for (const [name, url] of [
    ['GET /api/studies', `${server.url}/api/studies`],
    ['GET …/widgets/:wid/data', widgetUrl],
  ] as const) {
    // Server CPU per request (Node and PostgreSQL): hardly moved by the machine's other load, unlike latency.
    const measured = async <T extends { requests: number }>(run: () => PromiseLike<T>) => {
      if (!SEQUENTIAL) return { ...(await run()), serverCpuMsPerRequest: null };
      const before = treeCpuSeconds(server.pid());
      const result = await run();
      const after = treeCpuSeconds(server.pid());
      const cpu = before === null || after === null ? null : ((after - before) * 1000) / Math.max(1, result.requests);
      return { ...result, serverCpuMsPerRequest: cpu === null ? null : Math.round(cpu * 100) / 100 };
    };
    const withKeys = () => measured(() => load(url, keys, (key) => ({ 'x-api-key': key })));
    const withJwts = () => measured(() => load(url, tokens, (token) => ({ authorization: `Bearer ${token}` })));
    // By default 40 key clients, then 40 signed-in users (40 at a time, the client count);
    // BENCH_API_KEYS_TOGETHER=1: both at once (80 clients).
    const [apiKey, jwt] = SEQUENTIAL
      ? [await withKeys(), await withJwts()]
      : await Promise.all([withKeys(), withJwts()]);
    const overhead = Math.round(((apiKey.latencyMs.p95 - jwt.latencyMs.p95) / jwt.latencyMs.p95) * 1000) / 10;
    phases[name] = {
      apiKey,
      jwt,
      keyP95OverJwtPercent: overhead,
      withinBudget: apiKey.latencyMs.p95 < 100 && jwt.latencyMs.p95 < 100 && overhead <= 10,
    };
  }
  return {
    benchmark: `${CLIENTS} API-key clients beside ${CLIENTS} signed-in users (JWT), ${SEQUENTIAL ? 'one load after the other' : 'at the same time'}, ${DURATION_SECONDS} s per route`,
    loadAverage1m: Number((os.loadavg()[0] ?? 0).toFixed(1)),
    phases,
    budget: 'p95 < 100 ms; key p95 no more than 10% over JWT',
  };
}
