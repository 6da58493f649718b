import { execFile } from 'node:child_process';
import { readdirSync, readFileSync } from 'node:fs';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { promisify } from 'node:util';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { convertInWorker } from '../ingest/convert-in-worker.ts';

/**
 * Background CPU work runs at a lower OS priority than request handling (BACKGROUND_NICE): a
 * `cdp worker` as a whole, and the upload conversion threads beside an API's event loop, which
 * itself keeps its priority. Read back from /proc, per thread, as Linux keeps it.
 */
const run = promisify(execFile);
let dir: string;
beforeAll(async () => {
  dir = await mkdtemp(path.join(os.tmpdir(), 'cdp-priority-'));
});
afterAll(async () => {
  await rm(dir, { recursive: true, force: true });
});

function threadNices(): { tid: number; name: string; nice: number }[] {
  return readdirSync('/proc/self/task').flatMap((tid) => {
    try {
      const name = readFileSync(`/proc/self/task/${tid}/comm`, 'utf8').trim();
      return [{ tid: Number(tid), name, nice: os.getPriority(Number(tid)) }];
    } catch {
      return [];
    }
  });
}

describe('process priority', () => {
  it('runs an upload conversion on a thread at nice 10 while the main thread and the rest keep theirs', async () => {
    const mainNice = os.getPriority(process.pid);
    const before = new Set(threadNices().map((t) => t.tid));
    const file = path.join(dir, 'dm.csv');
    await writeFile(file, 'USUBJID,AGE\nS-1,40\nS-2,51\n');
    const converted = await convertInWorker(
      { file, fileName: 'dm.csv', outDir: await mkdtemp(path.join(dir, 'out-')), limits: {} },
      2,
    );
    expect(converted.datasets.map((d) => [d.name, d.rows])).toEqual([['dm', 2]]);
    // The conversion thread is kept for the next upload: it is still there, lowered.
    const threads = threadNices();
    expect(threads.filter((t) => t.nice >= 10).length).toBeGreaterThan(0);
    expect(os.getPriority(process.pid)).toBe(mainNice);
    // Threads that existed before the conversion (the event loop's, libuv's pool running DuckDB's
    // queries for requests) were not lowered.
    const lowered = threads.filter((t) => before.has(t.tid) && t.nice !== mainNice && t.nice >= 10);
    expect(lowered.filter((t) => t.name.startsWith('libuv') || t.tid === process.pid)).toEqual([]);
  }, 120_000);

  it('lowers every thread of a worker process, also those started afterwards', async () => {
    const script = path.join(dir, 'lower.mts');
    const module = path.join(import.meta.dirname, 'process-priority.ts');
    await writeFile(
      script,
      `import { readdirSync } from 'node:fs';
import os from 'node:os';
import { Worker } from 'node:worker_threads';
import { lowerProcessPriority } from ${JSON.stringify(module)};
const changed = lowerProcessPriority(7);
const worker = new Worker('setTimeout(() => {}, 200)', { eval: true });
await new Promise((resolve) => worker.once('online', resolve));
const nices = readdirSync('/proc/self/task').map((tid) => os.getPriority(Number(tid)));
await worker.terminate();
console.log(JSON.stringify({ changed, nices }));
`,
    );
    const { stdout } = await run(process.execPath, ['--import', 'tsx', script], { cwd: import.meta.dirname });
    const { changed, nices } = JSON.parse(stdout) as { changed: number; nices: number[] };
    expect(changed).toBeGreaterThan(1);
    expect(nices.length).toBeGreaterThan(changed);
    expect(nices.every((n) => n >= 7)).toBe(true);
  }, 60_000);
});
