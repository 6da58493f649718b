import { readFileSync } from 'node:fs';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { FormatError } from '../errors.ts';
import { readSasCatalog } from './read-sas7bcat.ts';
import { readSas7bdat } from './read-sas7bdat.ts';
import {
  type CellCheck,
  isoCell,
  missingKindCell,
  parseCsv,
  parsoCell,
  parsoMetaMismatches,
  readDataset,
} from './reference-check.ts';
import { VALUE_LABELS_METADATA_KEY } from './value-labels.ts';

const FIXTURES = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../../fixtures/sas7bdat');
const fixture = (name: string) => path.join(FIXTURES, name);

async function compareWithCsv(
  file: string,
  csv: string,
  check: CellCheck,
): Promise<{ cells: number; problems: string[] }> {
  const dataset = await readDataset(fixture(file));
  const [header = [], ...rows] = parseCsv(fixture(csv)).filter((row) => row.some((cell) => cell));
  const problems: string[] = [];
  if (dataset.rows !== rows.length) problems.push(`${dataset.rows} rows read, ${rows.length} expected`);
  let cells = 0;
  for (const [r, row] of rows.entries()) {
    for (const [c, name] of header.entries()) {
      const column = dataset.info.columns[c];
      if (!column) {
        problems.push(`column ${c + 1} missing`);
        continue;
      }
      // parso's CSV writer garbles some non-Latin names (U+FFFD); its _meta.csv is checked instead.
      if (column.name !== name && !name.includes('\uFFFD'))
        problems.push(`column ${c + 1} is ${column.name}, expected ${name}`);
      const value = dataset.columns[c]?.[r] ?? null;
      const problem = check(value, row[c] ?? '', column, dataset.missing[c]?.[r] ?? 0);
      cells++;
      if (problem !== undefined) problems.push(`row ${r + 1} ${name}: read ${String(value)}, expected ${problem}`);
    }
  }
  return { cells, problems: problems.slice(0, 10) };
}

describe('readSas7bdat on real files (fixtures)', () => {
  it.each([
    ['kshedden-datareader/test2.sas7bdat', 'rle', '32', 'little-endian', 'windows-1252'],
    ['kshedden-datareader/test14.sas7bdat', 'rdc', '64', 'big-endian', 'iso-8859-1'],
  ])(
    '%s (%s, %s-bit, %s) matches its reference CSV in every cell',
    async (file, compression, bits, order, encoding) => {
      const { cells, problems } = await compareWithCsv(
        file,
        file.replace(/(test\d+)\.sas7bdat$/, 'ref/$1.csv'),
        isoCell,
      );
      expect(problems).toEqual([]);
      expect(cells).toBe(1000);
      const { info } = await readDataset(fixture(file));
      expect(info.metadata).toMatchObject({
        'sas.compression': compression,
        'sas.wordSize': bits,
        'sas.byteOrder': order,
      });
      expect(info.encoding).toBe(encoding);
      expect(info.declaredRows).toBe(10);
      expect(info.columns[1]).toEqual({
        name: 'Column2',
        label: 'Column 2 label',
        type: 'string',
        length: 9,
        format: '$9.',
        informat: '$9.',
      });
      expect(info.columns[3]).toMatchObject({ name: 'Column4', type: 'date', format: 'MMDDYY10.' });
    },
  );

  it.each([
    ['parso/chinese_column_fails.sas7bdat', 'a Chinese column name in euc-cn'],
    ['parso/comp_deleted.sas7bdat', 'a deleted row among RLE-compressed rows'],
    ['parso/data_page_with_deleted.sas7bdat', 'deleted-row bits on a data page'],
    ['parso/all_rand_normal_with_deleted2.sas7bdat', 'deleted-row bits on a mix page'],
  ])('%s (%s) matches parso’s CSV and column descriptions', async (file) => {
    const stem = path.basename(file, '.sas7bdat');
    const { problems } = await compareWithCsv(file, `parso/csv/${stem}.csv`, parsoCell);
    const dataset = await readDataset(fixture(file));
    problems.push(...parsoMetaMismatches(dataset.info, dataset.rows, parseCsv(fixture(`parso/csv/${stem}_meta.csv`))));
    expect(problems).toEqual([]);
  });

  it('decodes Chinese text with the declared encoding (euc-cn, read as its superset GB18030)', async () => {
    const dataset = await readDataset(fixture('parso/chinese_column_fails.sas7bdat'));
    expect(dataset.info.encoding).toBe('gb18030');
    expect(dataset.info.columns.map((c) => c.name)).toEqual(['柯妮丝麗']);
    expect(dataset.columns[0]).toEqual([234]);
  });

  it('skips deleted rows and reports how many there were', async () => {
    const dataset = await readDataset(fixture('parso/all_rand_normal_with_deleted2.sas7bdat'));
    expect(dataset.rows).toBe(32);
    expect(dataset.info.declaredRows).toBe(32);
    expect(dataset.info.metadata?.['sas.deletedRows']).toBe('5');
    // x1 counts 0..10, 20..100, 200..1000, 1000..9000; rows 0, 9, 50, 500 and 3000 were deleted.
    expect(dataset.columns[0]?.slice(0, 10)).toEqual([1, 2, 3, 4, 5, 6, 7, 8, 10, 20]);
  });

  it('keeps special missing values .A–.Z and ._ apart from .', async () => {
    const { problems } = await compareWithCsv(
      'pyreadstat/missing_data/missing_test.sas7bdat',
      'pyreadstat/missing_data/missing_sas_formatted.csv',
      missingKindCell,
    );
    expect(problems).toEqual([]);
    for await (const dataset of readSas7bdat(fixture('pyreadstat/missing_data/missing_test.sas7bdat'))) {
      for await (const batch of dataset.batches()) {
        // Only columns holding a special missing value carry a kinds array; plain `.` needs none.
        expect(batch.missing?.map((m) => (m ? [...m] : undefined))).toEqual([
          [65],
          [66],
          [67],
          [88],
          [89],
          [90],
          [95],
          undefined,
          undefined,
        ]);
      }
    }
  });

  it('reads value labels from a format catalog', async () => {
    const catalog = await readSasCatalog(fixture('pyreadstat/sas_catalog/test_formats_win.sas7bcat'));
    expect([...catalog.keys()]).toEqual(['$A', '$B']);
    expect(Object.fromEntries(catalog.get('$A') ?? [])).toEqual({ 1: 'Male', 2: 'Female' });
    const dataset = await readDataset(fixture('pyreadstat/sas_catalog/test_data_win.sas7bdat'), {
      catalog: fixture('pyreadstat/sas_catalog/test_formats_win.sas7bcat'),
    });
    const labels = JSON.parse(dataset.info.metadata?.[VALUE_LABELS_METADATA_KEY] ?? '{}');
    expect(labels).toEqual({ SEXA: { 1: 'Male', 2: 'Female' }, SEXB: { 1: 'Male', 2: 'Female' } });
    const [, ...expected] = parseCsv(fixture('pyreadstat/sas_catalog/sas_formatted.csv'));
    const shown = dataset.columns[1]?.map((value) => labels.SEXA[String(value)]);
    expect(shown).toEqual(expected.map((row) => row[1]));
  });

  it('streams in batches of at most batchSize rows, with the same values', async () => {
    const whole = await readDataset(fixture('parso/data_page_with_deleted.sas7bdat'));
    const lengths: number[] = [];
    const first: (number | string | null)[] = [];
    for await (const dataset of readSas7bdat(fixture('parso/data_page_with_deleted.sas7bdat'), { batchSize: 100 })) {
      for await (const batch of dataset.batches()) {
        lengths.push(batch.length);
        first.push(...(batch.columns[0] as (string | null)[]));
      }
    }
    expect(Math.max(...lengths)).toBe(100);
    expect(lengths.reduce((a, b) => a + b, 0)).toBe(997);
    expect(first).toEqual(whole.columns[0]);
  });

  it('decodes text as a caller-chosen encoding for mislabelled files', async () => {
    const dataset = await readDataset(fixture('kshedden-datareader/test2.sas7bdat'), { encoding: 'utf-8' });
    expect(dataset.info.metadata?.['sas.decodedAs']).toBe('utf-8');
    expect(dataset.info.encoding).toBe('windows-1252');
  });
});

/** Where things are in a fixture, so the broken variants below change one field each. */
function locate(bytes: Buffer) {
  const le = bytes[37] === 1;
  const u64 = bytes[32] === 0x33;
  const pad = bytes[35] === 0x33 ? 4 : 0;
  const int = u64 ? 8 : 4;
  const u32 = (at: number) => (le ? bytes.readUInt32LE(at) : bytes.readUInt32BE(at));
  const readInt = (at: number) => (u64 ? Number(le ? bytes.readBigUInt64LE(at) : bytes.readBigUInt64BE(at)) : u32(at));
  const writeInt = (at: number, value: number) => {
    if (u64) le ? bytes.writeBigUInt64LE(BigInt(value), at) : bytes.writeBigUInt64BE(BigInt(value), at);
    else le ? bytes.writeUInt32LE(value, at) : bytes.writeUInt32BE(value, at);
  };
  const headerSize = u32(196 + pad);
  const pageSize = u32(200 + pad);
  const pageHeader = u64 ? 40 : 24;
  const pointerSize = u64 ? 24 : 12;
  const page = headerSize;
  const count = le ? bytes.readUInt16LE(page + pageHeader - 4) : bytes.readUInt16BE(page + pageHeader - 4);
  const pointers = Array.from({ length: count }, (_, i) => {
    const at = page + pageHeader + i * pointerSize;
    const offset = readInt(at);
    return { at, offset, length: readInt(at + int), compression: bytes[at + 2 * int], start: page + offset };
  });
  const signature = (p: { start: number; length: number }) => (p.length >= 4 ? u32(p.start) : 0);
  const rowSize = pointers.find((p) => signature(p) === 0xf7f7f7f7);
  const attributes = pointers.find((p) => signature(p) === 0xfffffffc);
  return { int, headerSize, pageSize, pad, pointers, rowSize, attributes, writeInt };
}

describe('readSas7bdat rejects broken files with a FormatError that says where', () => {
  let dir = '';
  beforeAll(async () => {
    dir = await mkdtemp(path.join(os.tmpdir(), 'sas7bdat-broken-'));
  });
  afterAll(async () => {
    await rm(dir, { recursive: true, force: true });
  });

  const rle = () => readFileSync(fixture('kshedden-datareader/test2.sas7bdat'));
  const plain = () => readFileSync(fixture('parso/data_page_with_deleted.sas7bdat'));
  const cases: [string, () => Buffer, RegExp][] = [
    ['an empty file', () => Buffer.alloc(0), /x\.sas7bdat, byte 0: file is 0 bytes, too short .*truncated upload/],
    ['a CSV renamed', () => Buffer.from('USUBJID,AGE\n01-001,34\n'.repeat(40)), /byte 0: not a SAS7BDAT file/],
    [
      'a format catalog',
      () => readFileSync(fixture('pyreadstat/sas_catalog/test_formats_win.sas7bcat')),
      /format catalog/,
    ],
    [
      'a file cut inside its header',
      () => rle().subarray(0, 2000),
      /byte 2,000: file ends inside its 65,536-byte header/,
    ],
    [
      'a file cut inside a page',
      () => rle().subarray(0, 65_536 * 2 + 1000),
      /byte 132,072: page 2 of 2 is truncated \(file ends early — incomplete upload\?\)/,
    ],
    [
      'an impossible page size',
      () => {
        const bytes = plain();
        bytes.writeUInt32LE(7, 200);
        return bytes;
      },
      /byte 200: header declares an impossible page size of 7 bytes/,
    ],
    [
      'more rows declared than stored',
      () => {
        const bytes = plain();
        const { rowSize, int, writeInt } = locate(bytes);
        writeInt((rowSize?.start ?? 0) + 6 * int, 1200);
        return bytes;
      },
      /holds 998 of the 1,200 rows it declares \(truncated or corrupt file\)/,
    ],
    [
      'a wrong deleted-row count',
      () => {
        const bytes = plain();
        const { rowSize, int, writeInt } = locate(bytes);
        writeInt((rowSize?.start ?? 0) + 7 * int, 3);
        return bytes;
      },
      /declares 3 deleted rows but marks 1/,
    ],
    [
      'corrupt RLE data',
      () => {
        const bytes = rle();
        const first = locate(bytes).pointers.find((p) => p.compression === 4);
        bytes[first?.start ?? 0] = 0x30;
        return bytes;
      },
      /x\.sas7bdat, row 1: RLE data holds an unknown command 0x30 \(corrupt file\)/,
    ],
    [
      'RLE data that overruns the row',
      () => {
        const bytes = rle();
        const first = locate(bytes).pointers.find((p) => p.compression === 4);
        bytes[first?.start ?? 0] = 0x6f;
        bytes[(first?.start ?? 0) + 1] = 0xff;
        return bytes;
      },
      /row 1: RLE data overruns the row length \(corrupt file\)/,
    ],
    [
      'a column with no type',
      () => {
        const bytes = plain();
        const { attributes, int } = locate(bytes);
        bytes[(attributes?.start ?? 0) + int + 8 + int + 6] = 0;
        return bytes;
      },
      /column VAR1 has no valid type \(code 0/,
    ],
    [
      'a subheader pointer outside its page',
      () => {
        const bytes = plain();
        const { pointers, writeInt } = locate(bytes);
        writeInt(pointers[0]?.at ?? 0, 60_000);
        return bytes;
      },
      /byte 1,024: page 1: subheader 1 points outside its page/,
    ],
  ];

  it.each(cases)('%s', async (_, make, message) => {
    const file = path.join(dir, 'x.sas7bdat');
    await writeFile(file, make());
    const error = await readDataset(file).then(
      () => undefined,
      (e: unknown) => e,
    );
    expect(error).toBeInstanceOf(FormatError);
    expect((error as FormatError).message).toMatch(message);
  });
});
