import { execFileSync } from 'node:child_process';
import { existsSync } from 'node:fs';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { convertUpload } from '../convert-upload.ts';
import { FormatError } from '../errors.ts';
import { readOdm } from '../odm/read-odm.ts';
import { readSas7bdat } from '../sas7bdat/read-sas7bdat.ts';
import { type Cell, hasSharedData, readAll, sharedData, sharedDataFiles } from '../test-support.ts';
import type { ColumnInfo, DatasetReader, ReadOptions, RowBatch, ValueType } from '../types.ts';
import { readXlsx } from '../xlsx/read-xlsx.ts';
import { readXpt } from '../xpt/read-xpt.ts';
import { writeXpt } from '../xpt/write-xpt.ts';
import { convertCsv } from './convert-csv.ts';
import { type OpenDuckDb, openDuckDb, quoteIdent, quoteLiteral } from './duckdb.ts';
import { SCHEMA_METADATA_KEY, schemaMetadata } from './parquet-output.ts';

/**
 * Every real file of the shared corpus through the upload path (one DuckDB per upload, column
 * chunks copied into it) and back out with DuckDB: each value, each type and the schema metadata
 * must be what the reader produced. The reader is the reference here; its own corpus tests check
 * it against SAS's reference files and pandas.
 */
type Reader = (file: string, options: ReadOptions) => AsyncIterable<DatasetReader>;
const READERS: Record<string, Reader> = {
  '.xpt': readXpt,
  '.sas7bdat': readSas7bdat,
  '.xlsx': readXlsx,
  '.xml': readOdm,
};

/**
 * Files the readers read but an upload refuses, with the reason: a date beyond what DuckDB's DATE
 * holds (year ±5 million) is refused with a message rather than stored wrong. (A file with a
 * dataset without columns is refused too; see `checkRoundTrip`.)
 */
const UPLOAD_REFUSES: Record<string, RegExp> = {
  'xpt/fredhutch-sas-transport/wellformed/SasTransportExporterTest_testDateTimeVariations.xpt': /out of range/,
};

/** Study metadata, not data: the upload skips it. */
const NOT_DATA = /define\.xml$/i;

const DUCK_TYPE: Record<ValueType, string> = {
  string: 'VARCHAR',
  number: 'DOUBLE',
  integer: 'BIGINT',
  boolean: 'BOOLEAN',
  date: 'DATE',
  datetime: 'TIMESTAMP',
  time: 'TIME',
};

async function corpusFiles(): Promise<string[]> {
  const readable = await sharedDataFiles(/\.(xpt|sas7bdat|xlsx|xml)$/i);
  return readable.filter((f) => READERS[path.extname(f).toLowerCase()] && !NOT_DATA.test(f));
}

/** A column read back as a number in the reader's units (see `ColumnValues`), or as text. */
function readBack(column: ColumnInfo): string {
  const id = quoteIdent(column.name);
  switch (column.type) {
    case 'string':
    case 'number':
      return id;
    case 'integer':
    case 'boolean':
      return `CAST(${id} AS DOUBLE)`;
    case 'date':
      return `CAST(${id} - DATE '1970-01-01' AS DOUBLE)`;
    case 'datetime':
      return `CAST(epoch_us(${id}) AS DOUBLE)`;
    case 'time':
      return `CAST(epoch_us(DATE '1970-01-01' + ${id}) AS DOUBLE)`;
  }
}

/** What the written value must be, from the reader's value (the writer's own conversions). */
function expected(type: ValueType, value: Cell): Cell {
  if (value === null || typeof value === 'string') return value;
  if (!Number.isFinite(value)) return null;
  switch (type) {
    case 'integer':
      return Math.round(value);
    case 'boolean':
      return value !== 0 ? 1 : 0;
    case 'date':
      return Math.floor(value);
    case 'datetime':
      return Math.round(value * 1000);
    case 'time': {
      // A time of day: the writer keeps it within one day, as DuckDB's TIME arithmetic does (a SAS
      // value past 24 hours, e.g. a datetime shown with TIME8., wraps; reported in issue 17's note).
      const day = 86_400_000_000;
      return ((Math.round(value * 1_000_000) % day) + day) % day;
    }
    default:
      return value;
  }
}

let dir: string;
let duck: OpenDuckDb;
beforeAll(async () => {
  dir = await mkdtemp(path.join(tmpdir(), 'cdp-round-trip-'));
  // Reading back the 9,999-column file takes more than the default budget (see limitsForWidth).
  duck = await openDuckDb({ memoryLimit: '2GB' });
});
afterAll(async () => {
  duck?.close();
  await rm(dir, { recursive: true, force: true });
});

/**
 * Cells compared, or `refused` when the reader refuses the file (a malformed file, ODM 2.0: the
 * readers' own tests check why) or finds no dataset in it; the upload must then fail too.
 */
async function checkRoundTrip(file: string, fileName = path.basename(file)): Promise<number | 'refused'> {
  const read = READERS[path.extname(file).toLowerCase()] as Reader;
  const out = await mkdtemp(path.join(dir, 'out-'));
  const datasets = await readAll(read(file, { fileName })).catch((error: unknown) => {
    if (error instanceof FormatError) return [];
    throw error;
  });
  if (datasets.length === 0) {
    await expect(convertUpload(file, fileName, out)).rejects.toBeInstanceOf(FormatError);
    return 'refused';
  }
  const refusal = datasets.some((d) => d.info.columns.length === 0) ? /has no columns/ : UPLOAD_REFUSES[fileName];
  if (refusal) {
    await expect(convertUpload(file, fileName, out)).rejects.toThrow(refusal);
    return 'refused';
  }
  const converted = await convertUpload(file, fileName, out);
  expect(converted.datasets.map((d) => d.name)).toEqual(
    // A SAS7BDAT is named by its file (its internal name is often a placeholder).
    datasets.map((d) =>
      path.extname(file).toLowerCase() === '.sas7bdat'
        ? path.basename(file, path.extname(file)).toUpperCase()
        : d.info.name,
    ),
  );
  let cells = 0;
  for (const [i, dataset] of datasets.entries()) {
    const written = converted.datasets[i];
    if (!written) throw new Error(`${file}: dataset ${i} missing`);
    const info = { ...dataset.info, name: written.name };
    expect(written.columns).toEqual(info.columns);
    expect(written.rows).toBe(dataset.rows.length);
    const parquet = quoteLiteral(written.file);
    const described = await duck.connection.runAndReadAll(`DESCRIBE SELECT * FROM read_parquet(${parquet})`);
    expect(described.getRowsJS().map((r) => [r[0], r[1]])).toEqual(
      info.columns.map((c) => [c.name, DUCK_TYPE[c.type]]),
    );
    const kv = await duck.connection.runAndReadAll(
      `SELECT decode(value) FROM parquet_kv_metadata(${parquet}) WHERE decode(key) = ${quoteLiteral(SCHEMA_METADATA_KEY)}`,
    );
    expect(JSON.parse(String(kv.getRowsJS()[0]?.[0]))).toEqual(schemaMetadata(info));
    const rows = await duck.connection.runAndReadAll(
      `SELECT ${info.columns.map(readBack).join(', ')} FROM read_parquet(${parquet})`,
    );
    const back = rows.getRowsJS() as Cell[][];
    expect(back.length).toBe(dataset.rows.length);
    for (const [r, row] of dataset.rows.entries()) {
      const want = row.map((value, c) => expected((info.columns[c] as ColumnInfo).type, value));
      // Compared as JSON, one row at a time; a mismatch names its row, column and both values.
      if (JSON.stringify(back[r]) !== JSON.stringify(want)) {
        const c = want.findIndex((value, k) => JSON.stringify(value) !== JSON.stringify(back[r]?.[k]));
        const column = info.columns[c] as ColumnInfo;
        throw new Error(
          `row ${r + 1}, column ${column.name} (${column.type}): Parquet has ${JSON.stringify(back[r]?.[c])}, the reader gave ${JSON.stringify(row[c])} (expected ${JSON.stringify(want[c])})`,
        );
      }
      cells += row.length;
    }
  }
  await rm(out, { recursive: true, force: true });
  return cells;
}

describe.runIf(hasSharedData('the Parquet round trip over the corpus'))('Parquet round trip over the corpus', () => {
  it('writes every value and type of every readable corpus file as the reader produced it', async () => {
    const files = await corpusFiles();
    expect(files.length).toBeGreaterThan(150);
    let cells = 0;
    const refused: string[] = [];
    for (const file of files) {
      const name = path.relative(sharedData(), file);
      try {
        const checked = await checkRoundTrip(file, name);
        if (checked === 'refused') refused.push(name);
        else cells += checked;
      } catch (error) {
        throw new Error(`${name}: ${(error as Error).message}`);
      }
    }
    // Most of the corpus is data the readers accept; the refusals are the malformed files kept for that.
    expect(refused.length).toBeLessThan(files.length / 2);
    console.info(
      `Parquet round trip: ${files.length - refused.length} files, ${cells.toLocaleString('en-US')} cells identical; ${refused.length} refused by their reader (${refused.join(', ')})`,
    );
  }, 600_000);
});

describe.runIf(hasSharedData('the CSV conversions of the corpus', 'csv'))('CSV files of the corpus', () => {
  // DuckDB reads CSV itself: what must hold is that an upload's shared DuckDB writes the same file
  // as a DuckDB of its own (the way every CSV was converted before uploads shared one).
  it('convert to the same Parquet in an upload as on a DuckDB of their own', async () => {
    const files = await sharedDataFiles(/\.csv$/i, 'csv');
    expect(files.length).toBeGreaterThan(0);
    for (const file of files) {
      const name = path.basename(file);
      const out = await mkdtemp(path.join(dir, 'csv-'));
      const alone = await convertCsv(file, path.join(out, 'alone.parquet'), {
        name: path.basename(name, '.csv'),
        fileName: name,
      }).catch((error: unknown) => error as Error);
      if (alone instanceof Error) {
        // Refused alone (e.g. an unnamed row-number column): refused in an upload with the same words.
        await expect(convertUpload(file, name, out)).rejects.toThrow(alone.message);
        await rm(out, { recursive: true, force: true });
        continue;
      }
      const [uploaded] = (await convertUpload(file, name, out)).datasets;
      expect({ file: name, sha256: uploaded?.sha256, rows: uploaded?.rows }).toEqual({
        file: name,
        sha256: alone.sha256,
        rows: alone.rows,
      });
      await rm(out, { recursive: true, force: true });
    }
  }, 300_000);
});

describe('Parquet round trip of an XPT whose last observations end in blanks', () => {
  /** Two 8-byte text columns: 16-byte observations, so 5 share an 80-byte record. */
  const columns: ColumnInfo[] = [
    { name: 'QNAM', type: 'string', length: 8 },
    { name: 'QVAL', type: 'string', length: 8 },
  ];
  const values = [
    ['DSTERM', 'DEATH'],
    ['DSDECOD', 'DEATH'],
    ['DSCAT', null],
  ];
  async function writeFixture(): Promise<string> {
    const file = path.join(dir, 'suppds.xpt');
    const batch: RowBatch = { length: 3, columns: columns.map((_, c) => values.map((row) => row[c] ?? null)) };
    await writeXpt(file, [
      {
        info: { name: 'SUPPDS', columns },
        async *batches() {
          yield batch;
        },
      },
    ]);
    return file;
  }

  it('keeps all three rows, the last one ending in 8 blank bytes', async () => {
    const file = await writeFixture();
    const [dataset] = await readAll(readXpt(file));
    expect(dataset?.rows).toEqual(values);
    expect(await checkRoundTrip(file)).toBe(6);
  });

  const hasPandas =
    existsSync('/usr/bin/python3') &&
    (() => {
      try {
        execFileSync('/usr/bin/python3', ['-c', 'import pandas'], { stdio: 'ignore' });
        return true;
      } catch {
        console.warn('pandas cross-check skipped: /usr/bin/python3 cannot import pandas');
        return false;
      }
    })();

  // Why the benchmark never takes pandas' row count as the truth: pandas 1.5 counts any 8 blank
  // bytes in the last record as padding, and loses the last row of this file.
  it.runIf(hasPandas)('is the file pandas 1.5 miscounts', async () => {
    const file = await writeFixture();
    const rows = execFileSync(
      '/usr/bin/python3',
      ['-c', "import sys, pandas as pd; print(len(pd.read_sas(sys.argv[1], format='xport')))", file],
      { encoding: 'utf8' },
    );
    expect(Number(rows.trim())).toBeLessThan(3);
  });
});
