import { type ChildProcess, spawn } from 'node:child_process';
import { createServer } from 'node:net';
import path from 'node:path';

/**
 * Dev tooling shared by the tests, the end-to-end setup and the benchmarks: free ports, and the
 * real `cdp` CLI as a child process, started the way a user starts it.
 */

export const ROOT = path.resolve(import.meta.dirname, '..');
const MAIN = path.join(ROOT, 'apps/server/src/main.ts');
/** The production build's entry (`npm run build:server`): plain node, no tsx. */
export const BUILT_MAIN = path.join(ROOT, 'apps/server/dist/main.js');

export function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = createServer();
    server.unref();
    server.on('error', reject);
    server.listen(0, '127.0.0.1', () => {
      const address = server.address();
      server.close(() =>
        typeof address === 'object' && address ? resolve(address.port) : reject(new Error('no port')),
      );
    });
  });
}

export interface CdpProcess {
  child: ChildProcess;
  /** everything it printed so far, stdout and stderr */
  output(): string;
  exited: Promise<number | null>;
  /** SIGTERM, then SIGKILL after `graceMs` */
  stop(graceMs?: number): Promise<number | null>;
}

/** Runs `cdp <mode> [args]` from the repository root with extra environment variables. */
export function runCdp(
  mode: string,
  env: Record<string, string>,
  nodeArgs: string[] = [],
  args: string[] = [],
): CdpProcess {
  return spawnCdp([...nodeArgs, '--import', 'tsx', MAIN, mode, ...args], env);
}

/**
 * `cdp <mode>` from the sources of another checkout (a benchmark's baseline, e.g. main's tree
 * unpacked with its node_modules), run from that checkout's root.
 */
export function runCdpFrom(
  root: string,
  mode: string,
  env: Record<string, string>,
  nodeArgs: string[] = [],
): CdpProcess {
  return spawnCdp([...nodeArgs, '--import', 'tsx', path.join(root, 'apps/server/src/main.ts'), mode], env, root);
}

/**
 * Runs the production build, `node apps/server/dist/main.js <mode> [args]`, as an operator would.
 * `main` names another build's entry (a benchmark's baseline); `nodeArgs` go before it.
 */
export function runBuiltCdp(
  mode: string,
  env: Record<string, string>,
  args: string[] = [],
  options: { main?: string; nodeArgs?: string[] } = {},
): CdpProcess {
  return spawnCdp([...(options.nodeArgs ?? []), options.main ?? BUILT_MAIN, mode, ...args], env);
}

function spawnCdp(args: string[], env: Record<string, string>, cwd = ROOT): CdpProcess {
  const child = spawn(process.execPath, args, {
    cwd,
    // DuckDB runs each query on a libuv thread: the default 4 would queue a dashboard's queries.
    env: { UV_THREADPOOL_SIZE: '16', ...process.env, ...env },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let text = '';
  const collect = (chunk: Buffer) => {
    text += chunk.toString();
  };
  child.stdout?.on('data', collect);
  child.stderr?.on('data', collect);
  const exited = new Promise<number | null>((resolve) => {
    if (child.exitCode !== null) resolve(child.exitCode);
    else child.once('exit', (code) => resolve(code));
  });
  return {
    child,
    output: () => text,
    exited,
    async stop(graceMs = 30_000) {
      if (child.exitCode === null && child.signalCode === null) {
        child.kill('SIGTERM');
        const timer = setTimeout(() => child.kill('SIGKILL'), graceMs);
        await exited;
        clearTimeout(timer);
      }
      return exited;
    },
  };
}

/** Polls GET /api/ready until it answers 200; fails early, with the output, if the process exits. */
export async function waitUntilReady(url: string, cdp: CdpProcess, timeoutMs = 90_000): Promise<number> {
  const started = performance.now();
  while (performance.now() - started < timeoutMs) {
    if (cdp.child.exitCode !== null) {
      throw new Error(`cdp exited with code ${cdp.child.exitCode} before it was ready:\n${cdp.output()}`);
    }
    const res = await fetch(`${url}/api/ready`).catch(() => null);
    if (res?.status === 200) return performance.now() - started;
    await new Promise((resolve) => setTimeout(resolve, 100));
  }
  throw new Error(`cdp was not ready after ${timeoutMs / 1000} s:\n${cdp.output()}`);
}
