import { readdir, readFile, rm } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { readXpt } from '@cdp/formats';
import { afterAll, describe, expect, it } from 'vitest';
import { demoGenerate } from './demo-generate.ts';

const out = path.join(os.tmpdir(), `cdp-demo-cli-${process.pid}`);
afterAll(() => rm(out, { recursive: true, force: true }));

async function rowsOf(file: string): Promise<number> {
  let rows = 0;
  for await (const dataset of readXpt(file)) for await (const batch of dataset.batches()) rows += batch.length;
  return rows;
}

describe('cdp demo generate', () => {
  it('writes one XPT per SDTM domain that our reader reads back, and the same files again for the same seed', async () => {
    await demoGenerate(['generate', '--out', path.join(out, 'a'), '--subjects', '40', '--sites', '3', '--seed', '7']);
    await demoGenerate(['generate', '--out', path.join(out, 'b'), '--subjects', '40', '--sites', '3', '--seed', '7']);
    const files = (await readdir(path.join(out, 'a'))).sort();
    expect(files).toEqual(['ae.xpt', 'dm.xpt', 'ds.xpt', 'ex.xpt', 'lb.xpt', 'sv.xpt', 'vs.xpt']);
    expect(await rowsOf(path.join(out, 'a', 'dm.xpt'))).toBe(40);
    // XPT headers carry the creation time; the observations must be identical.
    const body = async (dir: string) => (await readFile(path.join(out, dir, 'lb.xpt'))).subarray(80 * 8);
    expect(Buffer.compare(await body('a'), await body('b'))).toBe(0);
  });

  it('writes CSV and Parquet too', async () => {
    await demoGenerate([
      'generate',
      '--out',
      path.join(out, 'csv'),
      '--subjects',
      '10',
      '--sites',
      '2',
      '--format',
      'csv',
    ]);
    const dm = await readFile(path.join(out, 'csv', 'dm.csv'), 'utf8');
    expect(dm.split('\r\n').filter(Boolean)).toHaveLength(11);
    await demoGenerate([
      'generate',
      '--out',
      path.join(out, 'pq'),
      '--subjects',
      '10',
      '--sites',
      '2',
      '--format',
      'parquet',
    ]);
    expect((await readFile(path.join(out, 'pq', 'ae.parquet'))).subarray(0, 4).toString()).toBe('PAR1');
  });

  it.each([
    [['generate'], '--out is required.'],
    [['generate', '--out', out, '--format', 'sas'], '--format must be one of xpt, parquet, csv (got "sas").'],
    [['generate', '--out', out, '--subjects', 'many'], '--subjects must be a whole number above 0 (got "many").'],
  ])('refuses %j with a message saying what to change', async (args, message) => {
    await expect(demoGenerate(args)).rejects.toThrow(message);
  });
});
