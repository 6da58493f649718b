import { spawnSync } from 'node:child_process';
import { existsSync } from 'node:fs';
import { mkdtemp, rm } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { ColumnInfo, DatasetReader, RowBatch } from '../types.ts';
import { readDataset } from './reference-check.ts';
import { writeSas7bdat } from './write-sas7bdat.ts';

const PYTHON = '/usr/bin/python3';
const HAS_PANDAS = existsSync(PYTHON) && spawnSync(PYTHON, ['-c', 'import pandas'], { encoding: 'utf8' }).status === 0;
if (!HAS_PANDAS) console.warn(`pandas checks of the SAS7BDAT writer skipped: ${PYTHON} with pandas is not available`);

/** pandas' view of a file: raw SAS numbers (no date conversion), text decoded as UTF-8, blanks as null. */
function readWithPandas(file: string): { columns: string[]; values: (number | string | null)[][] } {
  const script = [
    'import sys, json, math',
    'from pandas.io.sas.sas7bdat import SAS7BDATReader',
    "reader = SAS7BDATReader(sys.argv[1], convert_dates=False, encoding='utf-8')",
    'df = reader.read()',
    'reader.close()',
    'cell = lambda v: None if v is None or (isinstance(v, float) and math.isnan(v)) else v',
    "print(json.dumps({'columns': list(df.columns), 'values': [[cell(v) for v in df[c].tolist()] for c in df.columns]}))",
  ].join('\n');
  const result = spawnSync(PYTHON, ['-c', script, file], { encoding: 'utf8', maxBuffer: 1 << 28 });
  if (result.status !== 0) throw new Error(`pandas could not read ${file}: ${result.stderr}`);
  return JSON.parse(result.stdout);
}

const COLUMNS: ColumnInfo[] = [
  { name: 'USUBJID', type: 'string', length: 12, label: 'Unique Subject Identifier' },
  { name: 'AGE', type: 'number', label: 'Age', format: '8.' },
  { name: 'WEIGHT4', type: 'number', length: 4, label: 'Weight (4-byte storage)' },
  { name: 'RANDFL', type: 'boolean' },
  { name: 'VISITNUM', type: 'integer' },
  { name: 'RFSTDTC', type: 'date', format: 'E8601DA10.' },
  { name: 'ADTM', type: 'datetime', label: 'Analysis Datetime' },
  { name: 'ATM', type: 'time' },
  { name: 'COMMENT', type: 'string', length: 40 },
  { name: 'TRTA', type: 'string', length: 20, label: 'Actual Treatment' },
];

/** Values in this package's units, with every kind of missing value and multi-byte text. */
function row(i: number): (number | string | null)[] {
  return [
    `01-701-${String(1000 + i).padStart(4, '0')}`,
    i % 7 === 3 ? Number.NaN : 20 + (i % 60),
    60 + i / 8,
    i % 2,
    i % 5,
    i % 11 === 0 ? Number.NaN : 12_000 + i,
    Date.UTC(2014, 0, 2, 8, 30, i % 60) + i * 86_400_000,
    (i * 37) % 86_400,
    i % 4 === 0 ? null : i % 4 === 1 ? 'Kopfschmerzen — äöü' : i % 4 === 2 ? '頭痛 (ずつう)' : `  leading blanks ${i}`,
    ['Placebo', 'Xanomeline Low Dose', 'Xanomeline High Dose'][i % 3] as string,
  ];
}

function dataset(rows: number, batchSize = 1000, columns = COLUMNS, make = row): DatasetReader {
  return {
    info: { name: 'ADSL', label: 'Subject-Level Analysis Dataset', columns },
    async *batches(): AsyncIterable<RowBatch> {
      for (let start = 0; start < rows; start += batchSize) {
        const length = Math.min(batchSize, rows - start);
        const values = Array.from({ length }, (_, r) => make(start + r));
        const batch: RowBatch = {
          length,
          columns: columns.map((column, c) =>
            column.type === 'string'
              ? values.map((v) => v[c] as string | null)
              : Float64Array.from(values, (v) => v[c] as number),
          ),
        };
        // Special missing values: .A on rows ≡ 3 (mod 7) of AGE, ._ on rows ≡ 0 (mod 11) of RFSTDTC.
        batch.missing = columns.map((_, c) =>
          c === 1 || c === 5
            ? Uint8Array.from(values, (v) => (Number.isNaN(v[c] as number) ? (c === 1 ? 65 : 95) : 0))
            : undefined,
        );
        yield batch;
      }
    },
  };
}

/** What the reader gives back: 4-byte numbers lose the low mantissa bits, as in SAS. */
function expected(value: number | string | null, column: ColumnInfo): number | string | null {
  if (column.name === 'WEIGHT4' && typeof value === 'number') {
    const bytes = Buffer.alloc(8);
    bytes.writeDoubleLE(value);
    bytes.fill(0, 0, 4);
    return bytes.readDoubleLE();
  }
  return value;
}

function sasNumber(value: number, column: ColumnInfo): number {
  if (column.type === 'date') return value + 3653;
  if (column.type === 'datetime') return value / 1000 + 3653 * 86_400;
  return value;
}

describe('writeSas7bdat', () => {
  let dir = '';
  beforeAll(async () => {
    dir = await mkdtemp(path.join(os.tmpdir(), 'sas7bdat-write-'));
  });
  afterAll(async () => {
    await rm(dir, { recursive: true, force: true });
  });

  const ROWS = 5000;

  it.each(['none', 'rle'] as const)(
    'writes a file this reader reads back cell for cell (compression %s)',
    async (compression) => {
      const file = path.join(dir, `adsl-${compression}.sas7bdat`);
      const { rows, pages } = await writeSas7bdat(file, dataset(ROWS), { compression });
      expect(rows).toBe(ROWS);
      expect(pages).toBeGreaterThan(1);
      const read = await readDataset(file);
      expect(read.rows).toBe(ROWS);
      expect(read.info).toMatchObject({ name: 'ADSL', label: 'Subject-Level Analysis Dataset', encoding: 'utf-8' });
      expect(read.info.metadata).toMatchObject({ 'sas.compression': compression, 'sas.wordSize': '64' });
      expect(read.info.columns.map((c) => [c.name, c.type, c.label, c.format])).toEqual(
        COLUMNS.map((c) => [
          c.name,
          ['integer', 'boolean'].includes(c.type) ? 'number' : c.type,
          c.label,
          c.format ?? { date: 'DATE9.', datetime: 'DATETIME20.', time: 'TIME8.' }[c.type as string],
        ]),
      );
      const mismatches: string[] = [];
      for (let r = 0; r < ROWS; r++) {
        row(r).forEach((value, c) => {
          const column = COLUMNS[c] as ColumnInfo;
          const want = expected(value, column);
          const got = read.columns[c]?.[r];
          const same = Number.isNaN(want) ? Number.isNaN(got) : got === want;
          if (!same && mismatches.length < 10) mismatches.push(`row ${r + 1} ${column.name}: ${got} ≠ ${want}`);
        });
      }
      expect(mismatches).toEqual([]);
      expect(read.missing[1]?.slice(0, 4)).toEqual([0, 0, 0, 65]);
      expect(read.missing[5]?.slice(0, 2)).toEqual([95, 0]);
    },
  );

  it.skipIf(!HAS_PANDAS).each(['none', 'rle'] as const)(
    'writes a file pandas reads with the same values (compression %s)',
    async (compression) => {
      const file = path.join(dir, `pandas-${compression}.sas7bdat`);
      await writeSas7bdat(file, dataset(ROWS), { compression });
      const pandas = readWithPandas(file);
      expect(pandas.columns).toEqual(COLUMNS.map((c) => c.name));
      const mismatches: string[] = [];
      for (let r = 0; r < ROWS; r++) {
        row(r).forEach((value, c) => {
          const column = COLUMNS[c] as ColumnInfo;
          const want = expected(value, column);
          const got = pandas.values[c]?.[r] ?? null;
          const same =
            typeof want === 'number'
              ? Number.isNaN(want)
                ? got === null
                : got === sasNumber(want, column)
              : got === want;
          if (!same && mismatches.length < 10)
            mismatches.push(`row ${r + 1} ${column.name}: pandas ${got}, wrote ${want}`);
        });
      }
      expect(mismatches).toEqual([]);
    },
  );

  it.skipIf(!HAS_PANDAS)(
    'splits wide metadata over several subheaders and pages that both readers follow',
    async () => {
      const columns: ColumnInfo[] = Array.from({ length: 2500 }, (_, i) => ({
        name: `VARIABLE_${i}`,
        type: i % 2 ? 'string' : 'number',
        length: i % 2 ? 3 : 8,
        label: `A long label so the column text needs more than one subheader, number ${i}`,
      }));
      const make = (r: number) => columns.map((c, i) => (c.type === 'string' ? `r${r}` : r * 1000 + i));
      const file = path.join(dir, 'wide.sas7bdat');
      await writeSas7bdat(file, dataset(3, 10, columns, make), { compression: 'none' });
      const read = await readDataset(file);
      expect(read.info.columns.map((c) => c.name)).toEqual(columns.map((c) => c.name));
      expect(read.info.columns[2499]?.label).toBe(columns[2499]?.label);
      expect(read.columns.map((values) => values[2])).toEqual(make(2));
      const pandas = readWithPandas(file);
      expect(pandas.columns).toEqual(columns.map((c) => c.name));
      expect(pandas.values.map((values) => values[2])).toEqual(make(2));
    },
  );

  it('refuses a value longer than its column and leaves no file behind', async () => {
    const file = path.join(dir, 'too-long.sas7bdat');
    const columns: ColumnInfo[] = [{ name: 'X', type: 'string', length: 3 }];
    await expect(
      writeSas7bdat(
        file,
        dataset(2, 10, columns, () => ['äää']),
      ),
    ).rejects.toThrow('row 1, column X: 6 bytes do not fit its length 3');
    expect(existsSync(file)).toBe(false);
  });

  it('needs a length for character columns', async () => {
    const columns: ColumnInfo[] = [{ name: 'X', type: 'string' }];
    await expect(
      writeSas7bdat(
        path.join(dir, 'x.sas7bdat'),
        dataset(1, 1, columns, () => ['a']),
      ),
    ).rejects.toThrow('character column X needs a length');
  });
});
