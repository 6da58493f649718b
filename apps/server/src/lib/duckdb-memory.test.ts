import { execFile } from 'node:child_process';
import path from 'node:path';
import { promisify } from 'node:util';
import { afterEach, describe, expect, it, vi } from 'vitest';
import { ROOT } from '../../../../scripts/cdp-process.ts';
import { ReleaseWhenIdle } from './duckdb-memory.ts';

const run = promisify(execFile);

describe('giving back the memory DuckDB freed', () => {
  it('returns what a query freed to the system, which DuckDB alone keeps', async () => {
    // A process of its own: RSS is the whole process's, and a test worker holds other files' memory.
    const script = `
      import { readFileSync } from 'node:fs';
      import { DuckDBInstance } from '@duckdb/node-api';
      import { releaseFreedDuckDbMemory } from ${JSON.stringify(path.join(ROOT, 'apps/server/src/lib/duckdb-memory.ts'))};
      const rss = () => Number(/VmRSS:\\s+(\\d+)/.exec(readFileSync('/proc/self/status', 'utf8'))[1]) / 1024;
      const sleep = (ms) => new Promise((r) => setTimeout(r, ms));
      const db = await DuckDBInstance.create(':memory:', { threads: '1' });
      const connection = await db.connect();
      await connection.run('SELECT 1');
      const before = rss();
      // A hash aggregate of a million distinct strings: ~100 MB allocated, all freed at its end.
      await connection.run("SELECT count(*) FROM (SELECT DISTINCT 'row-' || i::VARCHAR FROM range(1000000) t(i))");
      await sleep(1500);
      const kept = rss();
      await releaseFreedDuckDbMemory();
      await sleep(200);
      console.log(JSON.stringify({ before, kept, released: rss() }));
    `;
    const { stdout } = await run(process.execPath, ['--import', 'tsx', '--input-type=module', '-e', script], {
      cwd: ROOT,
    });
    const { before, kept, released } = JSON.parse(stdout.trim().split('\n').at(-1) ?? '{}');
    // Without the release DuckDB keeps most of what the query used (the reason for it)…
    expect(kept - before).toBeGreaterThan(30);
    // …and with it, at least three quarters of that goes back.
    expect(released - before).toBeLessThan((kept - before) / 4);
  }, 60_000);
});

describe('release when idle', () => {
  afterEach(() => {
    vi.useRealTimers();
  });

  it('releases once, a delay after the last job ends; a job starting in between puts it off', async () => {
    vi.useFakeTimers();
    const release = vi.fn(async () => {});
    const idle = new ReleaseWhenIdle(release, 1000, () => {});
    idle.started();
    idle.started();
    idle.ended();
    await vi.advanceTimersByTimeAsync(5000);
    expect(release).not.toHaveBeenCalled(); // one job still runs
    idle.ended();
    await vi.advanceTimersByTimeAsync(900);
    idle.started(); // the next job came within the second
    await vi.advanceTimersByTimeAsync(5000);
    expect(release).not.toHaveBeenCalled();
    idle.ended();
    await vi.advanceTimersByTimeAsync(999);
    expect(release).not.toHaveBeenCalled();
    await vi.advanceTimersByTimeAsync(1);
    expect(release).toHaveBeenCalledTimes(1);
    await vi.advanceTimersByTimeAsync(10_000);
    expect(release).toHaveBeenCalledTimes(1);
  });

  it('reports a failed release without throwing', async () => {
    vi.useFakeTimers();
    const errors: unknown[] = [];
    const idle = new ReleaseWhenIdle(
      async () => Promise.reject(new Error('no DuckDB')),
      10,
      (e) => errors.push(e),
    );
    idle.started();
    idle.ended();
    await vi.advanceTimersByTimeAsync(10);
    expect(errors.map((e) => (e as Error).message)).toEqual(['no DuckDB']);
  });
});
