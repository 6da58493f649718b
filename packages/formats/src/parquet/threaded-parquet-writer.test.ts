import { mkdtemp, readdir, readFile, rm, stat, truncate } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { convertUpload, type UploadLimits } from '../convert-upload.ts';
import { hasSharedData, sharedData, sharedDataFiles } from '../test-support.ts';
import type { ColumnInfo, DatasetReader, RowBatch } from '../types.ts';
import { writeXpt } from '../xpt/write-xpt.ts';
import { type OpenDuckDb, openDuckDb, quoteLiteral } from './duckdb.ts';
import { ParquetFileWriter } from './parquet-file-writer.ts';
import { ThreadedParquetWriter } from './threaded-parquet-writer.ts';

/**
 * The Parquet encoder thread (issue 17) must change nothing but speed: the same bytes as encoding
 * on the reader's thread, the same errors at the same row and column, whichever side fails first,
 * and the thread must be usable again after a failure.
 */
const THREAD: UploadLimits = { encodeThreadBytes: 0 };
const INLINE: UploadLimits = { encodeThreadBytes: Number.POSITIVE_INFINITY };

let dir: string;
let duck: OpenDuckDb;
beforeAll(async () => {
  dir = await mkdtemp(path.join(tmpdir(), 'cdp-encoder-thread-'));
  duck = await openDuckDb();
});
afterAll(async () => {
  duck?.close();
  await rm(dir, { recursive: true, force: true });
});

const COLUMNS: ColumnInfo[] = [
  { name: 'USUBJID', type: 'string', length: 16 },
  { name: 'AVAL', type: 'number', length: 8 },
  { name: 'ADT', type: 'date', length: 8, format: 'DATE9.' },
  { name: 'ADTM', type: 'datetime', length: 8, format: 'DATETIME20.' },
  { name: 'PARAM', type: 'string', length: 24 },
];

/**
 * `rows` rows over more than one row group: a site-like code (a dictionary), a value with ~3%
 * missing, dates, datetimes and text with accents. `badDateRow` (1-based) holds a date DuckDB
 * cannot store.
 */
function dataset(rows: number, badDateRow?: number): DatasetReader {
  const params = ['Alanine Aminotransferase', 'Bilirubine totale', 'Hämoglobin', 'Glucose', null];
  return {
    info: { name: 'LB', columns: COLUMNS },
    async *batches(): AsyncGenerator<RowBatch> {
      for (let start = 0; start < rows; start += 10_000) {
        const n = Math.min(10_000, rows - start);
        const subject = new Array<string | null>(n);
        const param = new Array<string | null>(n);
        const aval = new Float64Array(n);
        const adt = new Float64Array(n);
        const adtm = new Float64Array(n);
        for (let i = 0; i < n; i++) {
          const r = start + i;
          subject[i] = `01-${String(700 + (r % 97)).padStart(3, '0')}-${String(r % 1013).padStart(4, '0')}`;
          param[i] = params[r % params.length] ?? null;
          aval[i] = r % 33 === 0 ? Number.NaN : (r * 7.25) % 1000;
          adt[i] = r + 1 === badDateRow ? 3e12 : 18_000 + (r % 700);
          adtm[i] = 1.5e9 + r * 61.5;
        }
        yield { length: n, columns: [subject, aval, adt, adtm, param] };
      }
    },
  };
}

async function xptOf(name: string, rows: number, badDateRow?: number): Promise<string> {
  const file = path.join(dir, name);
  await writeXpt(file, [dataset(rows, badDateRow)]);
  return file;
}

async function converted(file: string, limits: UploadLimits) {
  const out = await mkdtemp(path.join(dir, 'out-'));
  const result = await convertUpload(file, path.basename(file), out, limits);
  const bytes = await Promise.all(result.datasets.map((d) => readFile(d.file)));
  return { result, bytes };
}

async function failure(file: string, limits: UploadLimits): Promise<string> {
  const out = await mkdtemp(path.join(dir, 'out-'));
  const error = await convertUpload(file, path.basename(file), out, limits).then(
    () => new Error('converted'),
    (e: Error) => e,
  );
  // A failed dataset leaves no Parquet file behind.
  expect((await readdir(out)).filter((f) => f.endsWith('.parquet'))).toEqual([]);
  return error.message;
}

describe('the Parquet encoder thread', () => {
  it('writes the same file, byte for byte, as encoding on the reader thread', async () => {
    const file = await xptOf('lb.xpt', 300_000);
    const threaded = await converted(file, THREAD);
    const inline = await converted(file, INLINE);
    expect(threaded.result.datasets.map((d) => [d.rows, d.sha256, d.bytes])).toEqual(
      inline.result.datasets.map((d) => [d.rows, d.sha256, d.bytes]),
    );
    expect(Buffer.compare(threaded.bytes[0] as Buffer, inline.bytes[0] as Buffer)).toBe(0);
    // And DuckDB reads it: three row groups, the rows and the mean computed here.
    const parquet = quoteLiteral(threaded.result.datasets[0]?.file as string);
    const back = await duck.connection.runAndReadAll(
      `SELECT count(*)::INTEGER, count(AVAL)::INTEGER, round(sum(AVAL), 2), count(DISTINCT PARAM)::INTEGER
       FROM read_parquet(${parquet})`,
    );
    let sum = 0;
    let present = 0;
    for (let r = 0; r < 300_000; r++) {
      if (r % 33 === 0) continue;
      sum += (r * 7.25) % 1000;
      present++;
    }
    expect(back.getRowsJS()[0]).toEqual([300_000, present, Math.round(sum * 100) / 100, 4]);
    const groups = await duck.connection.runAndReadAll(
      `SELECT count(DISTINCT row_group_id)::INTEGER FROM parquet_metadata(${parquet})`,
    );
    expect(groups.getRowsJS()[0]?.[0]).toBe(3);
  });

  it('reports a value the encoder refuses at its row and column, as on one thread', async () => {
    const file = await xptOf('far.xpt', 50_000, 23_457);
    const message = await failure(file, THREAD);
    expect(message).toBe(
      'far.xpt, dataset LB, row 23,457, column ADT: the value 3000000000000 is a date out of range (beyond year ±5 million)',
    );
    expect(await failure(file, INLINE)).toBe(message);
  });

  it('reports a refusal the encoder finds only after the reader has finished (a small file)', async () => {
    // 40 rows: the reader is done, and `close` sent, before the encoder reports row 37.
    const file = await xptOf('small.xpt', 40, 37);
    const message =
      'small.xpt, dataset LB, row 37, column ADT: the value 3000000000000 is a date out of range (beyond year ±5 million)';
    expect(await failure(file, THREAD)).toBe(message);
    expect(await failure(file, INLINE)).toBe(message);
    // The thread is free again.
    expect((await converted(await xptOf('after.xpt', 100), THREAD)).result.datasets[0]?.rows).toBe(100);
  });

  it("tells the encoder's failure before a later one of the reader's", async () => {
    // A bad date at row 10, and the file cut short near its end: the reader, running ahead of the
    // encoder, meets the cut before the encoder has reported row 10; row 10 must still be told.
    const file = await xptOf('both.xpt', 60_000, 10);
    await truncate(file, (await stat(file)).size - 2_000);
    const message = await failure(file, THREAD);
    expect(message).toContain('row 10, column ADT: the value 3000000000000 is a date out of range');
    expect(await failure(file, INLINE)).toBe(message);
  });

  it('reports a reader failure as on one thread, and is used again after it', async () => {
    const file = await xptOf('cut.xpt', 60_000);
    await truncate(file, (await stat(file)).size - 2_000);
    const message = await failure(file, THREAD);
    expect(message).toMatch(/^cut\.xpt, dataset LB, row \d/);
    expect(await failure(file, INLINE)).toBe(message);
    // The thread that saw both failures converts the next file.
    const good = await xptOf('next.xpt', 20_000);
    expect((await converted(good, THREAD)).result.datasets[0]?.rows).toBe(20_000);
  });

  it('takes text given as strings too, and is busy for a second dataset at once', async () => {
    const threadedFile = path.join(dir, 'strings-threaded.parquet');
    const threaded = await ThreadedParquetWriter.create(threadedFile, COLUMNS, { k: 'v' });
    if (!threaded) throw new Error('no encoder thread');
    // One encoder per thread that asks: a second dataset meanwhile encodes on its own thread.
    expect(await ThreadedParquetWriter.create(path.join(dir, 'other.parquet'), COLUMNS, {})).toBeUndefined();
    const inlineFile = path.join(dir, 'strings-inline.parquet');
    const inline = await ParquetFileWriter.create(inlineFile, COLUMNS, { k: 'v' });
    for await (const batch of dataset(30_000).batches()) {
      await threaded.write(batch);
      await inline.write(batch);
    }
    expect(await threaded.close()).toBe(30_000);
    expect(await inline.close()).toBe(30_000);
    expect(threaded.digest).toEqual(inline.digest);
  });
});

const SAS_FILES = /\.(xpt|sas7bdat)$/i;

describe.runIf(hasSharedData('the encoder thread over the corpus'))('the encoder thread over the corpus', () => {
  it('gives every XPT and SAS7BDAT file of the corpus the same Parquet bytes or the same refusal', async () => {
    const files = await sharedDataFiles(SAS_FILES);
    expect(files.length).toBeGreaterThan(100);
    const outcome = async (file: string, limits: UploadLimits) => {
      const out = await mkdtemp(path.join(dir, 'corpus-'));
      try {
        const result = await convertUpload(file, path.relative(sharedData(), file), out, limits);
        return result.datasets.map((d) => `${d.name} ${d.rows} ${d.sha256}`);
      } catch (error) {
        return [`refused: ${(error as Error).message}`];
      } finally {
        await rm(out, { recursive: true, force: true });
      }
    };
    for (const file of files) {
      expect({ file, got: await outcome(file, THREAD) }).toEqual({ file, got: await outcome(file, INLINE) });
    }
  }, 600_000);
});
