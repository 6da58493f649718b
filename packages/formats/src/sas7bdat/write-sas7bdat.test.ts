import { spawnSync } from 'node:child_process';
import { existsSync } from 'node:fs';
import { mkdtemp, rm, stat } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { convertUpload } from '../convert-upload.ts';
import { openDuckDb, quoteLiteral } from '../parquet/duckdb.ts';
import type { ColumnInfo, DatasetReader, RowBatch } from '../types.ts';
import { readDataset } from './reference-check.ts';
import { type WriteSas7bdatOptions, writeSas7bdat } from './write-sas7bdat.ts';

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

/** DuckDB's type of each column in the Parquet file: integer and boolean columns come back from SAS as numbers. */
const PARQUET_TYPE: Record<ColumnInfo['type'], string> = {
  string: 'VARCHAR',
  number: 'DOUBLE',
  integer: 'DOUBLE',
  boolean: 'DOUBLE',
  date: 'DATE',
  datetime: 'TIMESTAMP',
  time: 'TIME',
};

/** A column read back from Parquet in this package's units (days, epoch milliseconds, seconds). */
function readBackSql(column: ColumnInfo): string {
  const id = `"${column.name}"`;
  if (column.type === 'date') return `CAST(${id} - DATE '1970-01-01' AS DOUBLE)`;
  if (column.type === 'datetime') return `CAST(epoch_us(${id}) AS DOUBLE) / 1000`;
  if (column.type === 'time') return `CAST(epoch_us(DATE '1970-01-01' + ${id}) AS DOUBLE) / 1000000`;
  return id;
}

function sasNumber(value: number, column: ColumnInfo): number {
  if (column.type === 'date') return value + 3653;
  if (column.type === 'datetime') return value / 1000 + 3653 * 86_400;
  return value;
}

/** Every layout the writer makes: each compression, word size and byte order, and mixes of them. */
type Variant = Required<Omit<WriteSas7bdatOptions, 'pageSize'>>;
const VARIANTS = (
  [
    { compression: 'none', wordSize: 64, byteOrder: 'little' },
    { compression: 'rle', wordSize: 64, byteOrder: 'little' },
    { compression: 'rdc', wordSize: 64, byteOrder: 'little' },
    { compression: 'none', wordSize: 32, byteOrder: 'little' },
    { compression: 'rdc', wordSize: 32, byteOrder: 'little' },
    { compression: 'none', wordSize: 64, byteOrder: 'big' },
    { compression: 'rdc', wordSize: 64, byteOrder: 'big' },
    { compression: 'none', wordSize: 32, byteOrder: 'big' },
    { compression: 'rle', wordSize: 32, byteOrder: 'big' },
  ] satisfies Variant[]
).map((v: Variant) => ({ ...v, name: `${v.compression}, ${v.wordSize}-bit, ${v.byteOrder}-endian` }));

describe('writeSas7bdat', () => {
  let dir = '';
  const ROWS = 5000;
  const files = new Map<string, string>();
  beforeAll(async () => {
    dir = await mkdtemp(path.join(os.tmpdir(), 'sas7bdat-write-'));
    for (const variant of VARIANTS) {
      const file = path.join(dir, `adsl-${variant.compression}-${variant.wordSize}-${variant.byteOrder}.sas7bdat`);
      const { rows, pages } = await writeSas7bdat(file, dataset(ROWS), variant);
      expect(rows).toBe(ROWS);
      expect(pages).toBeGreaterThan(1);
      files.set(variant.name, file);
    }
  });
  afterAll(async () => {
    await rm(dir, { recursive: true, force: true });
  });

  it('compresses rows smaller with RDC and RLE, and lays 32-bit files out smaller', async () => {
    const sizeOf = async (name: string) => (await stat(files.get(name) as string)).size;
    const size = await sizeOf('none, 64-bit, little-endian');
    expect(await sizeOf('rdc, 64-bit, little-endian')).toBeLessThan(size);
    expect(await sizeOf('rle, 64-bit, little-endian')).toBeLessThan(size);
    expect(await sizeOf('none, 32-bit, little-endian')).toBeLessThan(size);
    expect(await sizeOf('none, 64-bit, big-endian')).toBe(size);
  });

  it.each(VARIANTS)('writes a file this reader reads back cell for cell ($name)', async (variant) => {
    const file = files.get(variant.name) as string;
    const read = await readDataset(file);
    expect(read.rows).toBe(ROWS);
    expect(read.info).toMatchObject({ name: 'ADSL', label: 'Subject-Level Analysis Dataset', encoding: 'utf-8' });
    expect(read.info.metadata).toMatchObject({
      'sas.compression': variant.compression,
      'sas.wordSize': String(variant.wordSize),
      'sas.byteOrder': `${variant.byteOrder}-endian`,
    });
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
  });

  it.skipIf(!HAS_PANDAS).each(VARIANTS)('writes a file pandas reads with the same values ($name)', async (variant) => {
    const pandas = readWithPandas(files.get(variant.name) as string);
    expect(pandas.columns).toEqual(COLUMNS.map((c) => c.name));
    expect(pandas.values.map((values) => values.length)).toEqual(COLUMNS.map(() => ROWS));
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
  });

  it.each(VARIANTS)('converts to Parquet that DuckDB reads back with the values written ($name)', async (variant) => {
    const file = files.get(variant.name) as string;
    const converted = await convertUpload(file, path.basename(file), path.join(dir, `parquet-${path.basename(file)}`));
    expect(converted.datasets.map((d) => [d.rows, d.columns.map((c) => c.name)])).toEqual([
      [ROWS, COLUMNS.map((c) => c.name)],
    ]);
    const parquet = quoteLiteral(converted.datasets[0]?.file as string);
    const duck = await openDuckDb();
    try {
      const described = await duck.connection.runAndReadAll(`DESCRIBE SELECT * FROM read_parquet(${parquet})`);
      expect(described.getRowsJS().map((r) => r[1])).toEqual(COLUMNS.map((c) => PARQUET_TYPE[c.type]));
      const back = await duck.connection.runAndReadAll(
        `SELECT ${COLUMNS.map(readBackSql).join(', ')} FROM read_parquet(${parquet})`,
      );
      const rows = back.getRowsJS();
      expect(rows.length).toBe(ROWS);
      const mismatches: string[] = [];
      for (let r = 0; r < ROWS; r++) {
        row(r).forEach((value, c) => {
          const column = COLUMNS[c] as ColumnInfo;
          const written = expected(value, column);
          // Parquet has no NaN for a missing number: a null.
          const want = typeof written === 'number' && Number.isNaN(written) ? null : written;
          const got = rows[r]?.[c] ?? null;
          if (got !== want && mismatches.length < 10) mismatches.push(`row ${r + 1} ${column.name}: ${got} ≠ ${want}`);
        });
      }
      expect(mismatches).toEqual([]);
    } finally {
      duck.close();
    }
  });

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

  it.each(['none', 'rdc'] as const)(
    'drops NUL padding as well as blanks, as strings and as bytes (compression %s)',
    async (compression) => {
      const columns: ColumnInfo[] = [{ name: 'X', type: 'string', length: 8 }];
      const values = ['AB\u0000\u0000', '\u0000\u0000\u0000', 'C \u0000 ', ' D'];
      const file = path.join(dir, `nul-${compression}.sas7bdat`);
      await writeSas7bdat(
        file,
        dataset(values.length, 10, columns, (r) => [values[r] as string]),
        { compression },
      );
      const want = ['AB', null, 'C', ' D'];
      expect((await readDataset(file)).columns[0]).toEqual(want);
      expect((await readDataset(file, { textAsBytes: true })).columns[0]).toEqual(want);
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
