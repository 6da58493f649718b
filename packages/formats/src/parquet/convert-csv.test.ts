import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { hasSharedData, sharedData } from '../test-support.ts';
import { convertCsv } from './convert-csv.ts';
import { openDuckDb } from './duckdb.ts';

let dir: string;
beforeAll(async () => {
  dir = await mkdtemp(join(tmpdir(), 'cdp-csv-'));
});
afterAll(async () => {
  await rm(dir, { recursive: true, force: true });
});

async function csv(name: string, content: string | Buffer): Promise<string> {
  const file = join(dir, name);
  await writeFile(file, content);
  return file;
}

async function rowsOf(file: string): Promise<unknown[][]> {
  const db = await openDuckDb();
  try {
    return (await db.connection.runAndReadAll(`SELECT * FROM read_parquet('${file}')`)).getRowsJson();
  } finally {
    db.close();
  }
}

describe('convertCsv', () => {
  it('infers types over the whole file, keeps leading zeros and quoted delimiters', async () => {
    const file = await csv(
      'dm.csv',
      'USUBJID,SITEID,AGE,RFSTDTC,NOTE\n01-001,001,63,2024-01-05,"a, b"\n01-002,010,71,2024-02-01,"say ""hi"""\n',
    );
    const result = await convertCsv(file, join(dir, 'dm.parquet'), { name: 'DM', fileName: 'dm.csv' });
    expect(result.rows).toBe(2);
    expect(result.columns.map((c) => [c.name, c.type])).toEqual([
      ['USUBJID', 'string'],
      ['SITEID', 'string'],
      ['AGE', 'integer'],
      ['RFSTDTC', 'date'],
      ['NOTE', 'string'],
    ]);
    expect(await rowsOf(result.file)).toEqual([
      ['01-001', '001', '63', '2024-01-05', 'a, b'],
      ['01-002', '010', '71', '2024-02-01', 'say "hi"'],
    ]);
  });

  it('detects semicolons and tabs, and reads Latin-1 when the file is not UTF-8', async () => {
    const semi = await convertCsv(await csv('s.csv', 'A;B\n1;x\n'), join(dir, 's.parquet'), { name: 'S' });
    expect(semi.columns.map((c) => c.name)).toEqual(['A', 'B']);
    const latin = await convertCsv(
      await csv('l.csv', Buffer.from('NAME\tCITY\nJos\xe9\tM\xfcnchen\n', 'latin1')),
      join(dir, 'l.parquet'),
      {
        name: 'L',
      },
    );
    expect(await rowsOf(latin.file)).toEqual([['José', 'München']]);
  });

  it('honours a column type override', async () => {
    const result = await convertCsv(await csv('o.csv', 'ID,V\n1,2\n'), join(dir, 'o.parquet'), {
      name: 'O',
      columnTypes: { ID: 'string' },
    });
    expect(result.columns[0]).toEqual({ name: 'ID', type: 'string' });
  });

  it('says when a type override names a missing column or does not fit the values', async () => {
    const file = await csv('t.csv', 'ID,AGE\n1,old\n');
    await expect(
      convertCsv(file, join(dir, 't1.parquet'), { name: 'T', fileName: 't.csv', columnTypes: { WEIGHT: 'number' } }),
    ).rejects.toThrow('t.csv: a type is given for WEIGHT, which this file does not have (columns: ID, AGE)');
    await expect(
      convertCsv(file, join(dir, 't2.parquet'), { name: 'T', fileName: 't.csv', columnTypes: { AGE: 'integer' } }),
    ).rejects.toThrow(/^t\.csv/);
  });

  it.each([
    ['a line with an extra field', 'a,b\n1,2\n3,4,5\n', 'ragged.csv, row 3: expected 2 fields, found 3'],
    ['an unterminated quote', 'a,b\n1,2\n3,"open\n', 'ragged.csv, row 3: Value with unterminated quote found.'],
  ])('rejects %s with the line, never dropping lines', async (_, content, message) => {
    const file = await csv('ragged.csv', content);
    await expect(convertCsv(file, join(dir, 'r.parquet'), { name: 'R', fileName: 'ragged.csv' })).rejects.toThrow(
      message,
    );
  });

  const phuse = sharedData('csv', 'phuse-statin-sdtm-v0');
  it.runIf(hasSharedData('the PhUSE CSV test', 'csv', 'phuse-statin-sdtm-v0'))(
    'reads the PhUSE statin SDTM CSVs with every row',
    async () => {
      const expected: Record<string, number> = { dm: 162, ae: 596, lb: 6248 };
      for (const [name, rows] of Object.entries(expected)) {
        const result = await convertCsv(join(phuse, `${name}.csv`), join(dir, `${name}.parquet`), {
          name: name.toUpperCase(),
        });
        expect(result.rows, name).toBe(rows);
      }
    },
  );
});
