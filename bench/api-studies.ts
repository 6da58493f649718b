import autocannon from 'autocannon';
import { api, type BenchServer, DEMO_PASSWORD } from './server.ts';

const USERS = 40;
const DURATION_SECONDS = Number(process.env.BENCH_DURATION ?? 30);

function percentile(sorted: number[], p: number): number {
  if (sorted.length === 0) return Number.NaN;
  const index = Math.min(sorted.length - 1, Math.ceil((p / 100) * sorted.length) - 1);
  return sorted[Math.max(0, index)] ?? Number.NaN;
}

/**
 * 40 distinct signed-in users of one organization (each its own session, so the per-request
 * session and permission check is real), and a couple of dozen studies for them to list.
 */
export function prepareBenchUsers(server: BenchServer): Promise<string[]> {
  // Once per server: several benchmarks share the same organization and users.
  let users = prepared.get(server);
  if (!users) {
    users = createBenchUsers(server);
    prepared.set(server, users);
  }
  return users;
}

const prepared = new WeakMap<BenchServer, Promise<string[]>>();

/** Fresh sessions for the users `prepareBenchUsers` made (after a restart, or past the access token's life). */
export async function signInBenchUsers(server: BenchServer): Promise<string[]> {
  await prepareBenchUsers(server);
  const tokens: string[] = [];
  for (let i = 0; i < USERS; i += 1) {
    const session = await api<{ accessToken: string }>(`${server.url}/api/auth/login`, null, 'POST', {
      email: `bench-${i}@demo.cdp.local`,
      password: 'Permanent-Bench-Pass-2',
    });
    tokens.push(session.accessToken);
  }
  return tokens;
}

async function createBenchUsers(server: BenchServer): Promise<string[]> {
  const login = (email: string, password: string) =>
    api<{ accessToken: string }>(`${server.url}/api/auth/login`, null, 'POST', { email, password });
  const admin = (await login('admin@demo.cdp.local', DEMO_PASSWORD)).accessToken;

  // A realistic organization: a couple of dozen studies to list.
  for (let i = 1; i <= 24; i += 1) {
    await api(`${server.url}/api/studies`, admin, 'POST', {
      code: `BENCH-${String(i).padStart(3, '0')}`,
      name: `Benchmark study ${i}`,
      phase: ['I', 'II', 'III'][i % 3],
      therapeuticArea: 'Oncology',
    });
  }
  const roles = await api<{ data: { id: string; key: string }[] }>(`${server.url}/api/roles`, admin, 'GET');
  const scientist = roles.data.find((r) => r.key === 'data_scientist')?.id;
  const tokens: string[] = [];
  for (let i = 0; i < USERS; i += 1) {
    const email = `bench-${i}@demo.cdp.local`;
    await api(`${server.url}/api/users`, admin, 'POST', {
      email,
      name: `Bench User ${i}`,
      temporaryPassword: 'Temporary-Bench-Pass-1',
      roles: [{ roleId: scientist, studyId: null }],
    });
    const first = (await login(email, 'Temporary-Bench-Pass-1')).accessToken;
    await api(`${server.url}/api/auth/change-password`, first, 'POST', {
      currentPassword: 'Temporary-Bench-Pass-1',
      newPassword: 'Permanent-Bench-Pass-2',
    });
    tokens.push((await login(email, 'Permanent-Bench-Pass-2')).accessToken);
  }
  return tokens;
}

/**
 * GET /api/studies from every user at once, for `durationSeconds` or until `until` settles,
 * with latency percentiles against the budget (p95 < 100 ms).
 */
export async function loadStudies(
  server: BenchServer,
  tokens: string[],
  options: { durationSeconds: number; until?: Promise<unknown> },
) {
  const latencies: number[] = [];
  let next = 0;
  const instance = autocannon({
    url: `${server.url}/api/studies`,
    connections: tokens.length,
    duration: options.durationSeconds,
    setupClient: (client) => {
      client.setHeaders({ authorization: `Bearer ${tokens[next++ % tokens.length]}` });
    },
  });
  instance.on('response', (_client, _status, _bytes, responseTime) => {
    latencies.push(responseTime);
  });
  const started = performance.now();
  options.until?.finally(() => instance.stop());
  const result = await instance;
  latencies.sort((a, b) => a - b);
  return {
    benchmark: `GET /api/studies, ${tokens.length} users of one organization, ${tokens.length} connections`,
    durationSeconds: Math.round((performance.now() - started) / 100) / 10,
    requests: result.requests.total,
    requestsPerSecond: Math.round(result.requests.average),
    latencyMs: {
      p50: percentile(latencies, 50),
      p95: percentile(latencies, 95),
      p99: percentile(latencies, 99),
      max: latencies.at(-1) ?? Number.NaN,
    },
    errors: result.errors + result.timeouts + result.non2xx,
    budget: 'p95 < 100 ms',
    withinBudget: percentile(latencies, 95) < 100,
  };
}

/** ARCHITECTURE.md budget: API p95 < 100 ms at 40 concurrent users per tenant. */
export async function benchApiStudies(server: BenchServer) {
  return loadStudies(server, await prepareBenchUsers(server), { durationSeconds: DURATION_SECONDS });
}
