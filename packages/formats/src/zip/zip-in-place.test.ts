import { mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { convertUpload, type UploadLimits } from '../convert-upload.ts';
import { FormatError } from '../errors.ts';
import { hasSharedData, sharedData, sharedDataFiles } from '../test-support.ts';
import type { ColumnInfo, DatasetReader, RowBatch } from '../types.ts';
import { writeXpt } from '../xpt/write-xpt.ts';
import { openZipArchive } from './zip-archive.ts';
import { buildZip } from './zip-writer.ts';

/**
 * ZIP members read in place (issue 17): an XPT or SAS7BDAT member inflates straight into its
 * reader, streamed (or, when small, inflated into one buffer), and must give exactly the Parquet
 * file the same bytes give from disk, or the same refusal; a damaged member fails as clearly as
 * it did when members were extracted first.
 */
let dir: string;
beforeAll(async () => {
  dir = await mkdtemp(path.join(tmpdir(), 'cdp-zip-in-place-'));
});
afterAll(async () => {
  await rm(dir, { recursive: true, force: true });
});

const STREAM_ALL: UploadLimits = { wholeMemberBytes: 0 };

let counter = 0;
async function zipOf(entries: Parameters<typeof buildZip>[0]): Promise<string> {
  const file = path.join(dir, `upload-${++counter}.zip`);
  await writeFile(file, buildZip(entries));
  return file;
}

/** What an upload gave, with the ZIP's name taken out of messages so disk and ZIP compare. */
async function outcome(file: string, fileName: string, limits: UploadLimits = {}): Promise<string[]> {
  const out = await mkdtemp(path.join(dir, 'out-'));
  try {
    const result = await convertUpload(file, fileName, out, limits);
    return result.datasets.map((d) => `${d.name} ${d.rows} ${d.columns.length} ${d.sha256}`);
  } catch (error) {
    return [`refused: ${(error as Error).message.replaceAll('corpus.zip/', '')}`];
  } finally {
    await rm(out, { recursive: true, force: true });
  }
}

const COLUMNS: ColumnInfo[] = [
  { name: 'USUBJID', type: 'string', length: 16 },
  { name: 'AVAL', type: 'number', length: 8 },
  { name: 'ADT', type: 'date', length: 8, format: 'DATE9.' },
  { name: 'PARAM', type: 'string', length: 24 },
];

/** A dataset of `rows` rows, about 56 bytes each in XPT. */
function lab(rows: number): DatasetReader {
  return {
    info: { name: 'LB', columns: COLUMNS },
    async *batches(): AsyncGenerator<RowBatch> {
      for (let start = 0; start < rows; start += 10_000) {
        const n = Math.min(10_000, rows - start);
        const subject = new Array<string | null>(n);
        const param = new Array<string | null>(n);
        const aval = new Float64Array(n);
        const adt = new Float64Array(n);
        for (let i = 0; i < n; i++) {
          const r = start + i;
          subject[i] = `01-${String(700 + (r % 97)).padStart(3, '0')}-${String(r % 1013).padStart(4, '0')}`;
          param[i] = ['Alanine Aminotransferase', 'Hämoglobin', 'Glucose', null][r % 4] ?? null;
          aval[i] = r % 33 === 0 ? Number.NaN : (r * 7.25) % 1000;
          adt[i] = 18_000 + (r % 700);
        }
        yield { length: n, columns: [subject, aval, adt, param] };
      }
    },
  };
}

describe('ZIP members read in place', () => {
  it('streams a large member and gives the Parquet bytes of the same file on disk', async () => {
    const xpt = path.join(dir, 'lb.xpt');
    await writeXpt(xpt, [lab(150_000)]);
    const bytes = await readFile(xpt);
    expect(bytes.length).toBeGreaterThan(4 * 1024 * 1024);
    const fromDisk = await outcome(xpt, 'lb.xpt');
    for (const method of ['deflate', 'store'] as const) {
      const zip = await zipOf([{ name: 'sdtm/lb.xpt', data: bytes, method }]);
      expect(await outcome(zip, 'sdtm.zip')).toEqual(fromDisk);
      expect(await outcome(zip, 'sdtm.zip', { wholeMemberBytes: Number.POSITIVE_INFINITY })).toEqual(fromDisk);
    }
    // A member above the size limit is read as it inflates, never as one buffer.
    const archive = await openZipArchive(await zipOf([{ name: 'lb.xpt', data: bytes }]), path.join(dir, 'unused'));
    try {
      const source = await archive.members[0]?.open();
      expect(source?.sequential).toBe(true);
      expect(source?.size).toBe(bytes.length);
      await source?.close();
    } finally {
      await archive.close();
    }
  });

  it('names the ZIP, the member, the row and the column of a bad value', async () => {
    const xpt = path.join(dir, 'bad-date.xpt');
    await writeXpt(xpt, [lab(30_000)]);
    const bytes = await readFile(xpt);
    // Row 20,000's ADT (the third column, bytes 24-31 of a 56-byte observation) becomes an
    // IBM double no date can hold.
    const observations = bytes.indexOf('HEADER RECORD*******OBS     HEADER RECORD!!!!!!!') + 80;
    const cell = observations + 19_999 * 56 + 24;
    Buffer.from([0x4d, 0x7f, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff]).copy(bytes, cell);
    const zip = await zipOf([{ name: 'adam/lb.xpt', data: bytes }]);
    for (const limits of [STREAM_ALL, {}]) {
      const error = await convertUpload(zip, 'transfer.zip', await mkdtemp(path.join(dir, 'out-')), limits).catch(
        (e: unknown) => e,
      );
      expect(error).toBeInstanceOf(FormatError);
      expect((error as FormatError).message).toMatch(
        /^transfer\.zip\/adam\/lb\.xpt, dataset LB, row 20,000, column ADT: /,
      );
    }
  });

  it('refuses a member whose deflate stream is damaged, naming it, streamed or whole', async () => {
    const xpt = path.join(dir, 'damaged.xpt');
    await writeXpt(xpt, [lab(60_000)]);
    const good = buildZip([
      { name: 'dm.xpt', data: await readFile(xpt) },
      { name: 'ae.xpt', data: await readFile(xpt) },
    ]);
    // Damage the middle of the second member's deflate stream.
    const second = good.indexOf(Buffer.from('ae.xpt')) + 'ae.xpt'.length;
    const corrupt = Buffer.from(good);
    corrupt.fill(0xff, second + 200_000, second + 200_016);
    const file = path.join(dir, 'corrupt.zip');
    await writeFile(file, corrupt);
    for (const limits of [STREAM_ALL, { wholeMemberBytes: Number.POSITIVE_INFINITY }]) {
      const error = await convertUpload(file, 'upload.zip', await mkdtemp(path.join(dir, 'out-')), limits).catch(
        (e: unknown) => e,
      );
      expect(error).toBeInstanceOf(FormatError);
      expect((error as FormatError).message).toMatch(
        /^upload\.zip\/ae\.xpt: the entry is damaged \(.+\); truncated or corrupt upload\?$/,
      );
    }
  });

  it('refuses a member that inflates to another size than it declares', async () => {
    const xpt = path.join(dir, 'liar.xpt');
    await writeXpt(xpt, [lab(1_000)]);
    const zip = buildZip([{ name: 'lb.xpt', data: await readFile(xpt) }]);
    // The central directory's uncompressed size (offset 24 of its record) says 80 bytes fewer.
    const central = zip.lastIndexOf(Buffer.from([0x50, 0x4b, 0x01, 0x02]));
    zip.writeUInt32LE(zip.readUInt32LE(central + 24) - 80, central + 24);
    const file = path.join(dir, 'liar.zip');
    await writeFile(file, zip);
    for (const limits of [STREAM_ALL, {}]) {
      const error = await convertUpload(file, 'upload.zip', await mkdtemp(path.join(dir, 'out-')), limits).catch(
        (e: unknown) => e,
      );
      expect((error as FormatError).message).toMatch(/^upload\.zip\/lb\.xpt: the entry is damaged \(too many bytes/);
    }
  });
});

const SAS_FILES = /\.(xpt|sas7bdat)$/i;

describe.runIf(hasSharedData('ZIP members in place over the corpus'))('ZIP members in place over the corpus', () => {
  it('gives every XPT and SAS7BDAT file of the corpus, zipped stored or deflated, the Parquet bytes it gives from disk', async () => {
    const files = await sharedDataFiles(SAS_FILES);
    expect(files.length).toBeGreaterThan(100);
    for (const file of files) {
      const name = path.relative(sharedData(), file);
      const bytes = await readFile(file);
      if (bytes.length === 0) continue; // an empty member is refused as empty, not read (convert-upload.test.ts)
      const fromDisk = await outcome(file, name);
      const deflated = await zipOf([{ name, data: bytes }]);
      const stored = await zipOf([{ name, data: bytes, method: 'store' }]);
      expect({ name, got: await outcome(deflated, 'corpus.zip', STREAM_ALL) }).toEqual({ name, got: fromDisk });
      expect({ name, got: await outcome(stored, 'corpus.zip', STREAM_ALL) }).toEqual({ name, got: fromDisk });
      expect({ name, got: await outcome(deflated, 'corpus.zip') }).toEqual({ name, got: fromDisk });
      await rm(deflated);
      await rm(stored);
    }
    // Both paths for every file: streamed (STREAM_ALL) and, by default, inflated whole (no corpus
    // file is over WHOLE_MEMBER_BYTES; the default's streaming of larger members is the first test's).
  }, 900_000);
});
