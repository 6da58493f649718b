import { existsSync } from 'node:fs';
import { mkdir, mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { type ConvertedUpload, convertUpload } from '../convert-upload.ts';
import { FormatError } from '../errors.ts';
import { parquetRows } from '../test-support.ts';
import { ConversionContext, closeKeptConversionDb, conversionInstancesOpened } from './conversion-context.ts';

/**
 * Uploads converted one after the other on a thread share one DuckDB instance (issue 18), and what
 * they write is what a fresh instance per upload writes.
 */
let dir: string;
let n = 0;
/** Low, so a test query spills with few rows (a CSV conversion needs more than 32 MB). */
const LIMITS = { memoryLimit: '64MB' };
beforeAll(async () => {
  dir = await mkdtemp(join(tmpdir(), 'cdp-conversion-context-'));
});
afterEach(() => closeKeptConversionDb());
afterAll(async () => {
  await rm(dir, { recursive: true, force: true });
});

async function csvFile(rows: number, seed: number): Promise<string> {
  const file = join(dir, `in-${++n}.csv`);
  const lines = Array.from(
    { length: rows },
    (_, i) => `S-${seed}-${i},${20 + ((i * seed) % 60)},${i % 3 === 0 ? '' : 'x'}`,
  );
  await writeFile(file, `USUBJID,AGE,NOTE\n${lines.join('\n')}\n`);
  return file;
}

/** As the server converts an upload: a work folder and a spill folder of its own. */
async function asUpload(file: string, spill = true): Promise<ConvertedUpload> {
  const out = join(dir, `out-${++n}`);
  const tempDirectory = `${out}.spill`;
  await mkdir(tempDirectory, { recursive: true });
  return convertUpload(file, 'extra.csv', out, { ...LIMITS, ...(spill ? { tempDirectory } : {}) });
}

/** What a version records of a dataset, and its rows. */
async function written(result: ConvertedUpload) {
  return Promise.all(
    result.datasets.map(async ({ name, rows, columns, sha256, bytes, file }) => ({
      summary: { name, rows, columns, sha256, bytes },
      rows: await parquetRows(file),
    })),
  );
}

describe('the DuckDB kept between uploads', () => {
  it('serves uploads one after the other with one instance, each written as a fresh instance writes it', async () => {
    const files = [await csvFile(50, 3), await csvFile(120, 7), await csvFile(50, 3)];
    const opened = conversionInstancesOpened();
    const kept = [];
    for (const file of files) kept.push(await written(await asUpload(file)));
    expect(conversionInstancesOpened() - opened).toBe(1);
    // Without a spill folder an upload opens an instance of its own (the plain path, as before).
    for (const [i, file] of files.entries()) {
      const before = conversionInstancesOpened();
      expect(await written(await asUpload(file, false))).toEqual(kept[i]);
      expect(conversionInstancesOpened() - before).toBe(1);
    }
    expect(kept[0]?.[0]?.summary.rows).toBe(50);
    expect(kept[1]?.[0]?.summary.rows).toBe(120);
    expect(kept[2]).toEqual(kept[0]);
  });

  it('gives a second upload at once an instance of its own', async () => {
    const [a, b] = [await csvFile(80, 5), await csvFile(90, 11)];
    await asUpload(a);
    const opened = conversionInstancesOpened();
    const [ra, rb] = await Promise.all([asUpload(a), asUpload(b)]);
    expect(conversionInstancesOpened() - opened).toBe(1);
    expect(await written(ra)).toEqual(await written(await asUpload(a, false)));
    expect(await written(rb)).toEqual(await written(await asUpload(b, false)));
  });

  it('keeps serving after a file that fails, and replaces an instance that spilled', async () => {
    const good = await csvFile(50, 13);
    const bad = join(dir, 'bad.csv');
    await writeFile(bad, 'USUBJID,AGE\nS-1,20\nS-2,21,extra\n');
    await asUpload(good);
    const opened = conversionInstancesOpened();
    await expect(asUpload(bad)).rejects.toBeInstanceOf(FormatError);
    expect((await asUpload(good)).datasets[0]?.rows).toBe(50);
    expect(conversionInstancesOpened() - opened).toBe(0);

    // A conversion that spilled into its folder: DuckDB cannot point that instance elsewhere.
    const spill = join(dir, 'spilled');
    const context = await ConversionContext.open({ ...LIMITS, tempDirectory: spill });
    const db = await context.connect();
    try {
      // A temporary table larger than the memory limit: DuckDB moves some of its blocks to disk.
      await db.connection.run('CREATE TEMP TABLE big AS SELECT range AS v FROM range(12000000)');
    } finally {
      db.close();
      await context.close();
    }
    // DuckDB makes the folder when it first spills.
    expect(existsSync(spill)).toBe(true);
    await rm(spill, { recursive: true, force: true });
    const after = conversionInstancesOpened();
    const result = await asUpload(good);
    expect(conversionInstancesOpened() - after).toBe(1);
    expect(await written(result)).toEqual(await written(await asUpload(good, false)));
  });
});
