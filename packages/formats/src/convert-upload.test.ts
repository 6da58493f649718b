import { mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { convertUpload } from './convert-upload.ts';
import { FormatError } from './errors.ts';
import { readParquetSchema } from './parquet/read-parquet.ts';
import { VALUE_LABELS_METADATA_KEY } from './sas7bdat/value-labels.ts';
import { buildZip } from './zip/zip-writer.ts';

const FIXTURES = path.resolve(import.meta.dirname, '../fixtures');
let dir: string;

beforeAll(async () => {
  dir = await mkdtemp(path.join(tmpdir(), 'cdp-upload-'));
});
afterAll(async () => {
  await rm(dir, { recursive: true, force: true });
});

async function zipOf(name: string, entries: { name: string; data: Buffer | string }[]): Promise<string> {
  const file = path.join(dir, name);
  await writeFile(file, buildZip(entries));
  return file;
}

describe('convertUpload', () => {
  it('converts every data file of a ZIP, whatever its format, and names each by its source', async () => {
    const xpt = await readFile(path.join(FIXTURES, 'xpt/fredhutch/multiple_datasets.xpt'));
    const sas = await readFile(path.join(FIXTURES, 'sas7bdat/kshedden-datareader/test2.sas7bdat'));
    const file = await zipOf('mixed.zip', [
      { name: 'sdtm/multi.xpt', data: xpt },
      { name: 'sas/test2.sas7bdat', data: sas },
      { name: 'extra/lb.csv', data: 'USUBJID,LBTESTCD,LBSTRESN\nS1,ALT,31\n' },
      { name: 'notes/README.md', data: '# transfer notes' },
    ]);
    const out = path.join(dir, 'mixed');
    const result = await convertUpload(file, 'mixed.zip', out);
    expect(result.datasets.map((d) => [d.name, d.source, d.format])).toEqual([
      ...result.datasets.filter((d) => d.format === 'xpt').map((d) => [d.name, 'mixed.zip/sdtm/multi.xpt', 'xpt']),
      ['TEST2', 'mixed.zip/sas/test2.sas7bdat', 'sas7bdat'],
      ['lb', 'mixed.zip/extra/lb.csv', 'csv'],
    ]);
    expect(result.datasets.filter((d) => d.format === 'xpt').length).toBe(2);
    expect(result.skipped).toEqual([
      { file: 'mixed.zip/notes/README.md', reason: expect.stringContaining('not a supported data file') },
    ]);
  });

  it('fails the whole upload on one truncated file, naming it', async () => {
    const bad = await readFile(path.join(FIXTURES, 'xpt/fredhutch/truncated_observation_at_record.xpt'));
    const file = await zipOf('bad.zip', [
      { name: 'dm.csv', data: 'USUBJID\nS1\n' },
      { name: 'ae.xpt', data: bad },
    ]);
    const error = await convertUpload(file, 'bad.zip', path.join(dir, 'bad')).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(FormatError);
    expect((error as FormatError).location.file).toBe('bad.zip/ae.xpt');
    expect((error as FormatError).message).toMatch(/^bad\.zip\/ae\.xpt, /);
  });

  it('refuses two files that give the same dataset name', async () => {
    const file = await zipOf('twice.zip', [
      { name: 'a/dm.csv', data: 'USUBJID\nS1\n' },
      { name: 'b/DM.csv', data: 'USUBJID\nS2\n' },
    ]);
    await expect(convertUpload(file, 'twice.zip', path.join(dir, 'twice'))).rejects.toThrow(
      'twice.zip/b/DM.csv: dataset DM also comes from twice.zip/a/dm.csv; upload one of them',
    );
  });

  it('keeps the value labels of a format catalog shipped beside the SAS dataset', async () => {
    const base = path.join(FIXTURES, 'sas7bdat/pyreadstat/sas_catalog');
    const file = await zipOf('catalog.zip', [
      { name: 'test_data_win.sas7bdat', data: await readFile(path.join(base, 'test_data_win.sas7bdat')) },
      { name: 'formats.sas7bcat', data: await readFile(path.join(base, 'test_formats_win.sas7bcat')) },
    ]);
    const result = await convertUpload(file, 'catalog.zip', path.join(dir, 'catalog'));
    expect(result.skipped).toEqual([
      { file: 'catalog.zip/formats.sas7bcat', reason: expect.stringContaining('value labels') },
    ]);
    const dataset = result.datasets[0];
    expect(dataset?.name).toBe('TEST_DATA_WIN');
    const info = await readParquetSchema(dataset?.file ?? '');
    expect(info.columns.length).toBeGreaterThan(0);
    const raw = await import('./parquet/duckdb.ts').then(async ({ openDuckDb }) => {
      const db = await openDuckDb();
      try {
        const r = await db.connection.runAndReadAll(
          `SELECT decode(value) FROM parquet_kv_metadata('${dataset?.file}') WHERE decode(key) = 'cdp.schema'`,
        );
        return String(r.getRowsJson()[0]?.[0]);
      } finally {
        db.close();
      }
    });
    expect(JSON.parse(raw).metadata[VALUE_LABELS_METADATA_KEY]).toBeTruthy();
  });
});
