import { type ChildProcess, spawn } from 'node:child_process';
import { chmod, mkdtemp, rm } from 'node:fs/promises';
import { createServer } from 'node:net';
import os from 'node:os';
import path from 'node:path';

export const ROOT = path.resolve(import.meta.dirname, '..');
export const DEMO_PASSWORD = 'Bench-Demo-Password-2026';

export function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = createServer();
    server.on('error', reject);
    server.listen(0, '127.0.0.1', () => {
      const address = server.address();
      server.close(() =>
        typeof address === 'object' && address ? resolve(address.port) : reject(new Error('no port')),
      );
    });
  });
}

export interface BenchServer {
  url: string;
  dataDir: string;
  /** milliseconds from spawn to GET /api/ready answering 200 */
  readyMs: number;
  stop(): Promise<void>;
  restart(): Promise<number>;
  cleanup(): Promise<void>;
}

/** `cdp start` exactly as a user runs it, in a fresh DATA_DIR under the system temp folder. */
export async function startServer(): Promise<BenchServer> {
  const root = await mkdtemp(path.join(os.tmpdir(), 'cdp-bench-'));
  await chmod(root, 0o755);
  const dataDir = path.join(root, 'data');
  const port = await freePort();
  const env = {
    ...process.env,
    DATA_DIR: dataDir,
    PORT: String(port),
    EMBEDDED_PG_PORT: String(await freePort()),
    CDP_DEMO_PASSWORD: DEMO_PASSWORD,
    LOG_LEVEL: 'error',
    // Every simulated user signs in from this one address.
    LOGIN_RATE_LIMIT_PER_MINUTE: '1000',
  };
  const url = `http://127.0.0.1:${port}`;
  let child: ChildProcess | null = null;
  let output = '';

  const launch = async (): Promise<number> => {
    const started = performance.now();
    // BENCH_SERVER_NODE_ARGS, e.g. "--cpu-prof --cpu-prof-dir=/tmp/prof", to profile the server.
    const extra = process.env.BENCH_SERVER_NODE_ARGS?.split(' ').filter(Boolean) ?? [];
    const main = path.join(ROOT, 'apps/server/src/main.ts');
    const proc = spawn(process.execPath, [...extra, '--import', 'tsx', main, 'start'], {
      cwd: ROOT,
      env,
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    child = proc;
    proc.stdout?.on('data', (d) => {
      output += d;
    });
    proc.stderr?.on('data', (d) => {
      output += d;
    });
    for (;;) {
      const res = await fetch(`${url}/api/ready`).catch(() => null);
      if (res?.status === 200) return performance.now() - started;
      if (proc.exitCode !== null) throw new Error(`cdp start exited:\n${output}`);
      if (performance.now() - started > 180_000) throw new Error(`cdp start not ready after 180 s:\n${output}`);
      await new Promise((r) => setTimeout(r, 50));
    }
  };
  const stop = async () => {
    const proc = child;
    if (!proc || proc.exitCode !== null) return;
    const exited = new Promise((r) => proc.once('exit', r));
    proc.kill('SIGTERM');
    await exited;
  };

  const readyMs = await launch();
  return {
    url,
    dataDir,
    readyMs,
    stop,
    restart: async () => {
      await stop();
      return launch();
    },
    cleanup: async () => {
      await stop();
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
