import { createHash } from 'node:crypto';
import { mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { FormatError, writeXpt } from '@cdp/formats';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type ConvertRequest, convertInWorker } from '../src/ingest/convert-in-worker.ts';
import { sharedConversions } from './shared-conversions.ts';
import { testDatabase } from './test-database.ts';

/**
 * The test-only conversion cache (shared-conversions.ts) that lets several files upload the pilot
 * SDTM while it is converted once: a second identical upload gets the first one's files, byte for
 * byte, in its own folder; anything that differs, or a conversion that failed, is converted again.
 */
let dir: string;
beforeAll(async () => {
  dir = await mkdtemp(path.join(testDatabase().dataDir, 'shared-conversions-'));
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

const sha256 = async (file: string) =>
  createHash('sha256')
    .update(await readFile(file))
    .digest('hex');

describe('sharedConversions', () => {
  it('converts given bytes once and hands later uploads a copy of the same files in their own folder', async () => {
    const calls: ConvertRequest[] = [];
    const convert = sharedConversions(path.join(dir, 'cache-a'), (request, concurrency) => {
      calls.push(request);
      return convertInWorker(request, concurrency);
    });
    const file = await xptOf('dm', ['S-1', 'S-2', 'S-3']);
    const request = async (fileName: string) => ({
      file,
      fileName,
      outDir: await mkdtemp(path.join(dir, 'out-')),
      limits: { tempDirectory: await mkdtemp(path.join(dir, 'spill-')) },
    });

    const first = await request('dm.xpt');
    const converted = await convert(first, 1);
    const second = await request('dm.xpt');
    const reused = await convert(second, 1);
    expect(calls).toHaveLength(1);
    expect(convert.hits).toBe(1);
    expect(reused.datasets.map((d) => [d.name, d.rows, d.sha256])).toEqual([['DM', 3, converted.datasets[0]?.sha256]]);
    const [copy] = reused.datasets;
    expect(path.dirname(copy?.file ?? '')).toBe(second.outDir);
    expect(await sha256(copy?.file ?? '')).toBe(copy?.sha256);

    // Another name is another upload (the name is in the manifest and in error messages).
    await convert(await request('dm-renamed.xpt'), 1);
    expect(calls).toHaveLength(2);
    // Other bytes under the same name are converted, not served from the cache.
    await xptOf('dm', ['S-9']);
    const other = await convert(await request('dm.xpt'), 1);
    expect(calls).toHaveLength(3);
    expect(other.datasets.map((d) => d.rows)).toEqual([1]);
  }, 120_000);

  it('keeps no failed conversion: the same bad file is refused again by the real converter', async () => {
    let calls = 0;
    const convert = sharedConversions(path.join(dir, 'cache-b'), (request, concurrency) => {
      calls++;
      return convertInWorker(request, concurrency);
    });
    const broken = path.join(dir, 'ae.xpt');
    await writeFile(broken, Buffer.alloc(400, 7));
    for (let n = 0; n < 2; n++) {
      const outDir = await mkdtemp(path.join(dir, 'out-'));
      const refused = await convert({ file: broken, fileName: 'ae.xpt', outDir, limits: {} }, 1).catch(
        (e: unknown) => e,
      );
      expect(refused).toBeInstanceOf(FormatError);
    }
    expect(calls).toBe(2);
    expect(convert.hits).toBe(0);
  }, 120_000);

  it('of two identical uploads at once (two workers starting on the pilot), one converts and the other waits for it', async () => {
    let calls = 0;
    const convert = sharedConversions(path.join(dir, 'cache-c'), async (request, concurrency) => {
      calls++;
      // Slow enough that the second call finds the first still converting.
      await new Promise((resolve) => setTimeout(resolve, 300));
      return convertInWorker(request, concurrency);
    });
    const file = await xptOf('ds', ['S-1', 'S-2']);
    const request = async () => ({
      file,
      fileName: 'ds.xpt',
      outDir: await mkdtemp(path.join(dir, 'out-')),
      limits: {},
    });
    const [a, b] = await Promise.all([convert(await request(), 1), convert(await request(), 1)]);
    expect(calls).toBe(1);
    expect(convert.hits).toBe(1);
    expect(a.datasets.map((d) => d.sha256)).toEqual(b.datasets.map((d) => d.sha256));
    // The waiting one still gets the files in its own folder.
    expect(path.dirname(a.datasets[0]?.file ?? '')).not.toBe(path.dirname(b.datasets[0]?.file ?? ''));
  }, 120_000);
});
