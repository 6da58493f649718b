import { mkdtemp, readFile, rm } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import type { ColumnInfo, DatasetReader, RowBatch } from '@cdp/formats';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { generateDemoStudy } from '../demo/generate-study.ts';
import { csvField, csvRow, formatNumber, writeDatasetCsv } from './csv.ts';

function reader(columns: ColumnInfo[], batches: RowBatch[]): DatasetReader {
  return {
    info: { name: 'T', columns },
    async *batches() {
      yield* batches;
    },
  };
}

describe('csvField', () => {
  it.each([
    [null, ''],
    ['plain', 'plain'],
    ['a,b', '"a,b"'],
    ['say "hi"', '"say ""hi"""'],
    ['line\nbreak', '"line\nbreak"'],
    ['=SUM(A1)', "'=SUM(A1)"],
    ['+cmd|calc', "'+cmd|calc"],
    ['-cmd', "'-cmd"],
    ['-1+2', "'-1+2"],
    ['@x', "'@x"],
    ['\tx', "'\tx"],
    ['\rx', `"'\rx"`],
    // Text that is exactly a number runs nothing: a spreadsheet reads it as the number.
    ['-1.5', '-1.5'],
    ['+3', '+3'],
    ['-.5e-3', '-.5e-3'],
    [-1.5, '-1.5'],
    [{ a: 1 }, '"{""a"":1}"'],
    [42, '42'],
  ])('%j → %s', (value, expected) => {
    expect(csvField(value)).toBe(expected);
  });

  it('writes text exactly when asked for raw output', () => {
    expect(csvField('=SUM(A1)', { raw: true })).toBe('=SUM(A1)');
    expect(csvField('=a,b', { raw: true })).toBe('"=a,b"');
  });

  it('ends rows with CRLF', () => {
    expect(csvRow(['a', 1, null])).toBe('a,1,\r\n');
  });
});

describe('writeDatasetCsv', () => {
  let folder: string;
  beforeAll(async () => {
    folder = await mkdtemp(path.join(os.tmpdir(), 'cdp-csv-'));
  });
  afterAll(async () => {
    await rm(folder, { recursive: true, force: true });
  });

  const hostile = reader(
    [
      { name: 'TEXT', type: 'string' },
      { name: 'N', type: 'number' },
    ],
    [{ length: 4, columns: [['=1+1', '-1.5', '@SUM(A1)', '\tx'], new Float64Array([-1.5, -3, 2, Number.NaN])] }],
  );

  it('neutralises formulas in text columns, never numbers in numeric ones', async () => {
    const file = path.join(folder, 'hostile.csv');
    await writeDatasetCsv(file, hostile);
    expect(await readFile(file, 'utf8')).toBe("TEXT,N\r\n'=1+1,-1.5\r\n-1.5,-3\r\n'@SUM(A1),2\r\n'\tx,\r\n");
  });

  it('writes values exactly when raw', async () => {
    const file = path.join(folder, 'raw.csv');
    await writeDatasetCsv(
      file,
      reader([{ name: 'TEXT', type: 'string' }], [{ length: 2, columns: [['=1+1', '@x']] }]),
      { raw: true },
    );
    expect(await readFile(file, 'utf8')).toBe('TEXT\r\n=1+1\r\n@x\r\n');
  });

  it('quotes commas, quotes and line breaks (RFC 4180) and leaves missing values empty', async () => {
    const file = path.join(folder, 'quoting.csv');
    const result = await writeDatasetCsv(
      file,
      reader(
        [
          { name: 'TEXT', type: 'string' },
          { name: 'N', type: 'number' },
        ],
        [
          {
            length: 3,
            columns: [['a,b', 'say "hi"', 'line\nbreak'], new Float64Array([1, Number.NaN, -3])],
          },
          { length: 2, columns: [[null, '-5'], new Float64Array([0.1 + 0.2, 2.5])] },
        ],
      ),
    );
    expect(result).toEqual({ rows: 5 });
    expect(await readFile(file, 'utf8')).toBe(
      'TEXT,N\r\n"a,b",1\r\n"say ""hi""",\r\n"line\nbreak",-3\r\n,0.3\r\n-5,2.5\r\n',
    );
  });

  it('writes dates, datetimes and times as ISO 8601 and booleans as words', async () => {
    const file = path.join(folder, 'temporal.csv');
    await writeDatasetCsv(
      file,
      reader(
        [
          { name: 'D', type: 'date' },
          { name: 'DT', type: 'datetime' },
          { name: 'T', type: 'time' },
          { name: 'B', type: 'boolean' },
          { name: 'I', type: 'integer' },
        ],
        [
          {
            length: 2,
            columns: [
              new Float64Array([20_000, Number.NaN]),
              new Float64Array([Date.UTC(2025, 0, 6, 8, 30), Date.UTC(2025, 0, 6, 8, 30, 1, 250)]),
              new Float64Array([3_600 + 61, 45.5]),
              new Float64Array([1, 0]),
              new Float64Array([-0, 12]),
            ],
          },
        ],
      ),
    );
    expect(await readFile(file, 'utf8')).toBe(
      'D,DT,T,B,I\r\n2024-10-04,2025-01-06T08:30:00,01:01:01,true,0\r\n,2025-01-06T08:30:01.250,00:00:45.500,false,12\r\n',
    );
  });

  it('writes just the header for an empty dataset', async () => {
    const file = path.join(folder, 'empty.csv');
    expect(await writeDatasetCsv(file, reader([{ name: 'A', type: 'string' }], []))).toEqual({ rows: 0 });
    expect(await readFile(file, 'utf8')).toBe('A\r\n');
  });

  it('streams a generated domain', async () => {
    const [dm] = generateDemoStudy({ subjects: 30, sites: 2 });
    const file = path.join(folder, 'dm.csv');
    expect(await writeDatasetCsv(file, dm as DatasetReader, { raw: true })).toEqual({ rows: 30 });
    const lines = (await readFile(file, 'utf8')).trimEnd().split('\r\n');
    expect(lines).toHaveLength(31);
    expect(lines[0]?.startsWith('STUDYID,DOMAIN,USUBJID,SUBJID,')).toBe(true);
    expect(lines[1]?.startsWith('CDP-301,DM,CDP-301-S001-0001,S001-0001,')).toBe(true);
  });

  it.each([
    [0.1 + 0.2, '0.3'],
    [1e-7, '1e-7'],
    [123456.789, '123456.789'],
    [-0, '0'],
    [42, '42'],
  ])('formats %d as %s', (value, expected) => {
    expect(formatNumber(value)).toBe(expected);
  });
});
