import { existsSync } from 'node:fs';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { hasSharedData, parquetRows, sharedData } from '../test-support.ts';
import { convertCsv } from './convert-csv.ts';
import { MAX_COLUMNS, openDuckDb } from './duckdb.ts';

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
    expect(await parquetRows(result.file)).toEqual([
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
    expect(await parquetRows(latin.file)).toEqual([['José', 'München']]);
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

  it('counts every field of a line that has too many (DuckDB stops at the first extra one)', async () => {
    const file = await csv('eight.csv', 'a,b,c,d,e,f\n1,2,3,4,5,6\n1,2,3,4,5,6,7,8\n');
    await expect(convertCsv(file, join(dir, 'e.parquet'), { name: 'E', fileName: 'eight.csv' })).rejects.toThrow(
      'eight.csv, row 3: expected 6 fields, found 8',
    );
    const crlf = await csv('crlf.csv', 'a,b,c\r\n"x\r\ny",2,3\r\n1,2,3,4,5\r\n');
    await expect(convertCsv(crlf, join(dir, 'c.parquet'), { name: 'C', fileName: 'crlf.csv' })).rejects.toThrow(
      /expected 3 fields, found 5/,
    );
  });

  it.each([
    ['an empty file', '', 'e.csv is empty'],
    ['a file of blank lines', '\n\r\n  \n', 'e.csv is empty'],
    ['a blank first line', '\nA,B\n1,2\n', 'e.csv, row 1: the first line is blank'],
    ['a header cell without a name', 'USUBJID,,AGE\nS1,x,3\n', 'e.csv, row 1: column 2 has no name in the header row'],
    [
      'a first line of values',
      '01-001,63,F\n01-002,71,M\n',
      'e.csv, row 1: the first line looks like data, not column names (column 2 is "63")',
    ],
    ['a first line with a date', 'S1,2024-01-05\nS2,2024-02-01\n', '(column 2 is "2024-01-05")'],
  ])('refuses %s instead of inventing column names', async (_, content, message) => {
    const file = await csv('e.csv', content);
    await expect(convertCsv(file, join(dir, 'e.parquet'), { name: 'E', fileName: 'e.csv' })).rejects.toThrow(message);
  });

  it('reads a file without a header row, or with numeric names, when the user says so', async () => {
    const file = await csv('nohead.csv', '01-001,63,F\n01-002,71,M\n');
    const none = await convertCsv(file, join(dir, 'n1.parquet'), { name: 'N', header: false });
    expect(none.columns.map((c) => c.name)).toEqual(['column1', 'column2', 'column3']);
    expect(none.rows).toBe(2);
    const numeric = await csv('years.csv', 'COUNTRY,2023,2024\nFR,1,2\n');
    const named = await convertCsv(numeric, join(dir, 'n2.parquet'), { name: 'Y', header: true });
    expect(named.columns.map((c) => c.name)).toEqual(['COUNTRY', '2023', '2024']);
  });

  it.each([3_000, 5_000, 10_000])(
    'converts a %i-column CSV of 5 rows with the default 256 MB DuckDB memory limit configured',
    async (width) => {
      const names = Array.from({ length: width }, (_, i) => `V${i + 1}`);
      const lines = [names.join(',')];
      for (let r = 1; r <= 5; r++)
        lines.push(names.map((_, i) => (i === 0 ? `S-${r}` : String(r * 1000 + i))).join(','));
      const file = await csv(`wide-${width}.csv`, `${lines.join('\n')}\n`);
      const result = await convertCsv(file, join(dir, `wide-${width}.parquet`), {
        name: 'WIDE',
        fileName: 'wide.csv',
        memoryLimit: '256MB',
        tempDirectory: join(dir, 'spill'),
      });
      expect(result.rows).toBe(5);
      expect(result.columns).toHaveLength(width);
      const db = await openDuckDb();
      try {
        const last = await db.connection.runAndReadAll(
          `SELECT "V1", "V${width}" FROM read_parquet('${result.file}') ORDER BY "V1"`,
        );
        // Computed independently: row r holds r * 1000 + (column index) in every numeric column.
        expect(last.getRowsJson()).toEqual([1, 2, 3, 4, 5].map((r) => [`S-${r}`, String(r * 1000 + width - 1)]));
      } finally {
        db.close();
      }
    },
    60_000,
  );

  it('refuses a file wider than the column limit, saying how wide it is, the limit and what to do', async () => {
    const width = MAX_COLUMNS + 1;
    const file = await csv('too-wide.csv', `${Array.from({ length: width }, (_, i) => `V${i}`).join(',')}\n`);
    await expect(
      convertCsv(file, join(dir, 'too-wide.parquet'), { name: 'W', fileName: 'too-wide.csv' }),
    ).rejects.toThrow(
      'too-wide.csv: the dataset has 10,001 columns; at most 10,000 can be loaded. Split it into files of fewer columns',
    );
    expect(existsSync(join(dir, 'too-wide.parquet'))).toBe(false);
  });

  it('explains DuckDB running out of memory instead of passing its message on', async () => {
    const lines = ['ID,TEXT'];
    for (let i = 0; i < 20_000; i++) lines.push(`${i},${'x'.repeat(200)}${i}`);
    const file = await csv('big.csv', `${lines.join('\n')}\n`);
    const error = await convertCsv(file, join(dir, 'big.parquet'), {
      name: 'B',
      fileName: 'big.csv',
      memoryLimit: '1MB',
      threads: 1,
    }).then(
      () => new Error('converted'),
      (e: unknown) => e as Error,
    );
    expect(error.message).not.toMatch(/duckdb\.org|Out of Memory|pin block|SET threads/);
    expect(error.message).toMatch(/^big\.csv: needs more memory than a conversion may use/);
  });

  const phuse = sharedData('csv', 'phuse-statin-sdtm-v0');
  it.runIf(hasSharedData('the PhUSE CSV test', 'csv', 'phuse-statin-sdtm-v0'))(
    'reads the PhUSE statin SDTM CSVs with every row',
    async () => {
      const expected: Record<string, number> = { dm: 162, lb: 6248 };
      for (const [name, rows] of Object.entries(expected)) {
        const result = await convertCsv(join(phuse, `${name}.csv`), join(dir, `${name}.parquet`), {
          name: name.toUpperCase(),
        });
        expect(result.rows, name).toBe(rows);
      }
      // ae.csv was written by R's write.csv with row names: its first column has no name.
      await expect(
        convertCsv(join(phuse, 'ae.csv'), join(dir, 'ae.parquet'), { name: 'AE', fileName: 'ae.csv' }),
      ).rejects.toThrow('ae.csv, row 1: column 1 has no name in the header row');
    },
  );
});
