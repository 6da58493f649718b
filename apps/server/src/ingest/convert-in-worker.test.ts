import { existsSync, readdirSync } from 'node:fs';
import { mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import os, { tmpdir } from 'node:os';
import path from 'node:path';
import { FormatError, type UploadLimits, writeXpt } from '@cdp/formats';
import { buildZip } from '@cdp/formats/testing';
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import {
  convertInWorker,
  keepConversionWorker,
  parkedConversionWorkers,
  warmConversionWorker,
  warmUpConversion,
} from './convert-in-worker.ts';

/**
 * The conversion workers are kept between uploads: a worker that converted a file, or reported a
 * file it could not read, converts the next upload as well as a new one would.
 */
let dir: string;
beforeAll(async () => {
  dir = await mkdtemp(path.join(tmpdir(), 'cdp-convert-worker-'));
});
afterAll(async () => {
  await rm(dir, { recursive: true, force: true });
});

async function xptOf(name: string, values: string[]): Promise<string> {
  const file = path.join(dir, `${name}.xpt`);
  await writeXpt(file, [
    {
      info: { name: name.toUpperCase(), columns: [{ name: 'USUBJID', type: 'string', length: 12 }] },
      async *batches() {
        yield { length: values.length, columns: [values] };
      },
    },
  ]);
  return file;
}

async function convert(file: string, limits: UploadLimits = {}) {
  const outDir = await mkdtemp(path.join(dir, 'out-'));
  return convertInWorker({ file, fileName: path.basename(file), outDir, limits }, 2);
}

describe('convertInWorker', () => {
  it('converts one upload after another, and after one it refused, in the kept worker', async () => {
    warmConversionWorker();
    const dm = await convert(await xptOf('dm', ['S-1', 'S-2', 'S-3']));
    expect(dm.datasets.map((d) => [d.name, d.rows])).toEqual([['DM', 3]]);

    const broken = path.join(dir, 'ae.xpt');
    await writeFile(broken, Buffer.alloc(400, 7));
    const refused = await convert(broken).catch((error: unknown) => error);
    expect(refused).toBeInstanceOf(FormatError);
    expect((refused as FormatError).message).toMatch(/^ae\.xpt/);

    const ex = await convert(await xptOf('ex', ['S-1']));
    expect(ex.datasets.map((d) => [d.name, d.rows])).toEqual([['EX', 1]]);
    // A ZIP's members convert on the worker and on a member thread, which the worker starts (or
    // took from those it warmed as it started) from its own lowered priority: two threads of this
    // process run at the background priority. The ZIP makes sure a member thread is there whatever
    // ran before in this process: a kept worker may be older than a member thread's idle minute.
    const zip = path.join(dir, 'sdtm.zip');
    const members = await Promise.all([xptOf('dm2', ['S-1', 'S-2']), xptOf('vs', ['S-1'])]);
    const entries = await Promise.all(
      members.map(async (file) => ({
        name: path.basename(file),
        data: await readFile(file),
        method: 'store' as const,
      })),
    );
    await writeFile(zip, buildZip(entries));
    const zipped = await convert(zip);
    expect(zipped.datasets.map((d) => [d.name, d.rows]).sort()).toEqual([
      ['DM2', 2],
      ['VS', 1],
    ]);
    const nices = readdirSync('/proc/self/task').map((tid) => os.getPriority(Number(tid)));
    expect(nices.filter((nice) => nice >= 10).length).toBeGreaterThanOrEqual(2);
    expect(os.getPriority(process.pid)).toBeLessThan(10);
  }, 120_000);

  it('starts the Parquet encoder thread from inside the conversion worker, with the same file as a result', async () => {
    // Every file gets the encoder thread here (from 0 bytes), so the worker's own thread starts it.
    const file = await xptOf('lb', ['S-1', 'S-2', 'S-3', 'S-4']);
    const threaded = await convert(file, { encodeThreadBytes: 0 });
    const inline = await convert(file, { encodeThreadBytes: Number.POSITIVE_INFINITY });
    expect(threaded.datasets.map((d) => [d.name, d.rows, d.sha256])).toEqual(
      inline.datasets.map((d) => [d.name, d.rows, d.sha256]),
    );
  }, 120_000);

  it('warms up in a worker it keeps past the idle minute, which converts the next upload', async () => {
    const warmDir = path.join(dir, 'warm-up');
    vi.useFakeTimers({ toFake: ['setTimeout', 'clearTimeout'] });
    keepConversionWorker(true);
    try {
      expect(await warmUpConversion(warmDir, 2)).toBe(2);
      // The synthetic transfer and its rounds' output are gone.
      expect(existsSync(warmDir)).toBe(false);
      const kept = parkedConversionWorkers().at(-1);
      // Past the minute an idle worker waits: the kept one has no such timer.
      vi.advanceTimersByTime(61_000);
      vi.useRealTimers();
      await new Promise((resolve) => setTimeout(resolve, 500));
      expect(parkedConversionWorkers()).toContain(kept);
      const dm = await convert(await xptOf('dm3', ['S-1', 'S-2']));
      expect(dm.datasets.map((d) => [d.name, d.rows])).toEqual([['DM3', 2]]);
      expect(parkedConversionWorkers().at(-1)).toBe(kept);
    } finally {
      vi.useRealTimers();
      keepConversionWorker(false);
    }
  }, 120_000);

  it('stops warming up when an upload comes, which waits at most for the round under way', async () => {
    const warmDir = path.join(dir, 'warm-up-interrupted');
    const warming = warmUpConversion(warmDir, 50);
    const ae = await convert(await xptOf('ae', ['S-1']));
    expect(ae.datasets.map((d) => [d.name, d.rows])).toEqual([['AE', 1]]);
    expect(await warming).toBeLessThanOrEqual(2);
    expect(existsSync(warmDir)).toBe(false);
  }, 120_000);
});
