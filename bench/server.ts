import { chmod, mkdtemp, rm } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { type CdpProcess, freePort, runBuiltCdp, runCdp, runCdpFrom, waitUntilReady } from '../scripts/cdp-process.ts';

export { ROOT } from '../scripts/cdp-process.ts';
export const DEMO_PASSWORD = 'Bench-Demo-Password-2026';

export interface BenchServer {
  url: string;
  dataDir: string;
  /** milliseconds from spawn to GET /api/ready answering 200 */
  readyMs: number;
  /** The `cdp start` process's id (its children: the embedded PostgreSQL and its backends). */
  pid(): number | undefined;
  /**
   * Restarts on the same DATA_DIR; `env` changes (or adds) variables for this and later starts, and
   * `root`, when given, runs another checkout's sources from then on (null: this one again).
   */
  restart(env?: Record<string, string>, root?: string | null): Promise<number>;
  /** Stops the process, keeping DATA_DIR (cleanup removes it). */
  stop(): Promise<void>;
  cleanup(): Promise<void>;
}

/**
 * `cdp start` exactly as a user runs it, in a fresh DATA_DIR under the system temp folder; `built`:
 * the production build (`npm run build:server` first), plain node as an operator runs it; `main`:
 * another build's entry (a baseline checkout's `apps/server/dist/main.js`); `root`: another
 * checkout's sources (a baseline tree with its node_modules), run through tsx as the default is.
 */
export async function startServer(
  extraEnv: Record<string, string> = {},
  options: { built?: boolean; main?: string; root?: string } = {},
): Promise<BenchServer> {
  const root = await mkdtemp(path.join(os.tmpdir(), 'cdp-bench-'));
  await chmod(root, 0o755);
  const dataDir = path.join(root, 'data');
  const port = await freePort();
  const env = {
    DATA_DIR: dataDir,
    PORT: String(port),
    EMBEDDED_PG_PORT: String(await freePort()),
    CDP_DEMO_PASSWORD: DEMO_PASSWORD,
    LOG_LEVEL: 'error',
    // Every simulated user signs in from this one address.
    LOGIN_RATE_LIMIT_PER_MINUTE: '1000',
    // The webhooks benchmark's receiver listens on 127.0.0.1 over plain HTTP.
    WEBHOOK_ALLOW_PRIVATE: 'true',
    ...extraEnv,
  };
  // BENCH_SERVER_NODE_ARGS, e.g. "--cpu-prof --cpu-prof-dir=/tmp/prof", to profile the server.
  const nodeArgs = process.env.BENCH_SERVER_NODE_ARGS?.split(' ').filter(Boolean) ?? [];
  const url = `http://127.0.0.1:${port}`;
  let cdp: CdpProcess;
  let checkout = options.root;
  const launch = () => {
    cdp = options.built
      ? runBuiltCdp('start', env, [], { nodeArgs, ...(options.main ? { main: options.main } : {}) })
      : checkout
        ? runCdpFrom(checkout, 'start', env, nodeArgs)
        : runCdp('start', env, nodeArgs);
    // BENCH_READY_SECONDS: a first start (initdb, migrations, seed) on a machine at many times its cores takes longer.
    return waitUntilReady(url, cdp, Number(process.env.BENCH_READY_SECONDS ?? 180) * 1000);
  };

  const readyMs = await launch();
  return {
    url,
    dataDir,
    readyMs,
    pid: () => cdp.child.pid,
    restart: async (changed = {}, root) => {
      await cdp.stop();
      Object.assign(env, changed);
      if (root !== undefined) checkout = root ?? undefined;
      return launch();
    },
    stop: async () => {
      await cdp.stop();
    },
    cleanup: async () => {
      await cdp.stop();
      await rm(root, { recursive: true, force: true });
    },
  };
}

export async function api<T>(url: string, token: string | null, method: string, body?: unknown): Promise<T> {
  const res = await fetch(url, {
    method,
    headers: {
      ...(token ? { authorization: `Bearer ${token}` } : {}),
      ...(body === undefined ? {} : { 'content-type': 'application/json' }),
    },
    body: body === undefined ? undefined : JSON.stringify(body),
  });
  const json = (await res.json()) as T;
  if (!res.ok) throw new Error(`${method} ${url}: ${res.status} ${JSON.stringify(json)}`);
  return json;
}

/** The demo study manager's token and the demo study CDP-301, which the upload benchmarks load into. */
export async function demoManagerStudy(server: BenchServer): Promise<{ token: string; studyId: string }> {
  const manager = await api<{ accessToken: string }>(`${server.url}/api/auth/login`, null, 'POST', {
    email: 'manager@demo.cdp.local',
    password: DEMO_PASSWORD,
  });
  const studies = await api<{ data: { id: string; code: string }[] }>(
    `${server.url}/api/studies`,
    manager.accessToken,
    'GET',
  );
  const study = studies.data.find((s) => s.code === 'CDP-301');
  if (!study) throw new Error('demo study CDP-301 not found');
  return { token: manager.accessToken, studyId: study.id };
}
