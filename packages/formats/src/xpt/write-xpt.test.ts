import { execFileSync } from 'node:child_process';
import { existsSync } from 'node:fs';
import { mkdtemp, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { FormatError } from '../errors.ts';
import type { ColumnInfo, DatasetReader, RowBatch } from '../types.ts';
import { writeXpt } from './write-xpt.ts';
import { readAll } from './xpt-test-support.ts';

let dir: string;
beforeAll(async () => {
  dir = await mkdtemp(path.join(tmpdir(), 'write-xpt-'));
});
afterAll(async () => {
  await rm(dir, { recursive: true, force: true });
});

let fileCount = 0;
function target(): string {
  return path.join(dir, `w${++fileCount}.xpt`);
}

function dataset(name: string, columns: ColumnInfo[], batches: RowBatch[], label?: string): DatasetReader {
  return {
    info: { name, ...(label ? { label } : {}), columns },
    async *batches() {
      yield* batches;
    },
  };
}

const MS_PER_DAY = 86_400_000;
const COLUMNS: ColumnInfo[] = [
  { name: 'usubjid', type: 'string', length: 20, label: 'Unique Subject Identifier' },
  { name: 'AVAL', type: 'number', label: 'Analysis Value', format: '8.2' },
  { name: 'CODE', type: 'number' },
  { name: 'ADT', type: 'date', label: 'Analysis Date' },
  { name: 'ADTM', type: 'datetime' },
  { name: 'ATM', type: 'time', format: 'TOD8.' },
  { name: 'COMMENT', type: 'string', length: 40, format: '$CHAR40.' },
];
const AVAL = [0, -1.5, 1234567.890625, 1e-78, -7.2e75, 0.1, Math.PI, Number.NaN];
const CODE = [1, Number.NaN, Number.NaN, Number.NaN, 2, Number.NaN, 3, Number.NaN];
const CODE_MISSING = Uint8Array.from([0, 65, 95, 46, 0, 90, 0, 0]);
const ADT = [0, -3653, 19_000, -200_000, Number.NaN, 1, -1, 2_900_000];
const ADTM = ADT.map((d, i) => (Number.isNaN(d) ? d : d * MS_PER_DAY + i * 3_723_000));
const ATM = [0, 1, 3723, 86_399, Number.NaN, 43_200.5, 60, 0.25];
const COMMENT = [
  'plain',
  'Café Müller £5 €',
  null,
  '',
  '  leading blanks',
  'trailing blanks   ',
  'x'.repeat(40),
  '‘quoted’ — Œuvre',
];
const USUBJID = AVAL.map((_, i) => `CDISCPILOT01-${i}`);

function rowsBatch(from: number, to: number): RowBatch {
  const slice = (values: number[]) => Float64Array.from(values.slice(from, to));
  return {
    length: to - from,
    columns: [
      USUBJID.slice(from, to),
      slice(AVAL),
      slice(CODE),
      slice(ADT),
      slice(ADTM),
      slice(ATM),
      COMMENT.slice(from, to),
    ],
    missing: [undefined, undefined, CODE_MISSING.slice(from, to), undefined, undefined, undefined, undefined],
  };
}

describe('writeXpt', () => {
  it('round-trips numbers, missing values, dates, times and Windows-1252 text through the reader', async () => {
    const file = target();
    await writeXpt(file, [dataset('adlb', COLUMNS, [rowsBatch(0, 5), rowsBatch(5, 8)], 'Laboratory Analysis')], {
      created: new Date(Date.UTC(2024, 2, 5, 6, 7, 8)),
    });
    expect((await readFile(file)).length % 80).toBe(0);
    const [member] = await readAll(file);
    expect(member?.info).toMatchObject({
      name: 'ADLB',
      label: 'Laboratory Analysis',
      columns: [
        { name: 'USUBJID', type: 'string', length: 20, label: 'Unique Subject Identifier' },
        { name: 'AVAL', type: 'number', length: 8, format: '8.2', label: 'Analysis Value' },
        { name: 'CODE', type: 'number', length: 8 },
        { name: 'ADT', type: 'date', format: 'DATE9.' },
        { name: 'ADTM', type: 'datetime', format: 'DATETIME20.' },
        { name: 'ATM', type: 'time', format: 'TOD8.' },
        { name: 'COMMENT', type: 'string', length: 40, format: '$CHAR40.' },
      ],
      metadata: { 'sas.created': '2024-03-05T06:07:08' },
    });
    expect(member?.values[0]).toEqual(USUBJID);
    expect(member?.values[1]).toEqual(AVAL);
    expect(member?.values[2]).toEqual(CODE);
    expect(member?.missing[2]).toEqual([0, 65, 95, 46, 0, 90, 0, 46]);
    expect(member?.missing[1]?.[7]).toBe(46);
    expect(member?.values[3]).toEqual(ADT);
    ((member?.values[4] ?? []) as number[]).forEach((value, i) => {
      if (Number.isNaN(ADTM[i])) expect(value).toBeNaN();
      else expect(Math.abs(value - (ADTM[i] as number))).toBeLessThan(1e-3);
    });
    expect(member?.values[5]).toEqual(ATM);
    // Blank and empty are the same missing value in SAS; leading blanks stay, trailing ones go.
    expect(member?.values[6]).toEqual(COMMENT.map((c) => (c ? c.trimEnd() : null)));
  });

  it('measures undeclared character lengths (staging the rows) and writes several members', async () => {
    const file = target();
    const notes: ColumnInfo[] = [
      { name: 'ID', type: 'number' },
      { name: 'NOTE', type: 'string' },
      { name: 'EMPTY', type: 'string' },
    ];
    const batches = [0, 1, 2].map((b) => ({
      length: 1000,
      columns: [
        Float64Array.from({ length: 1000 }, (_, i) => b * 1000 + i),
        Array.from({ length: 1000 }, (_, i) =>
          i % 7 === 0 ? null : `note ${b}-${i}${i === 500 && b === 1 ? '!'.repeat(30) : ''}`,
        ),
        Array.from({ length: 1000 }, () => null),
      ],
    }));
    async function* members(): AsyncGenerator<DatasetReader> {
      yield dataset('NOTES', notes, batches);
      yield dataset('EMPTY', [{ name: 'X', type: 'number' }], []);
      yield dataset('AE', COLUMNS, [rowsBatch(0, 8)]);
    }
    await writeXpt(file, members());
    const [first, second, third] = await readAll(file);
    expect(first?.rows).toBe(3000);
    expect(first?.info.columns.map((c) => c.length)).toEqual([8, 'note 1-500'.length + 30, 1]);
    expect(first?.values[1]?.[1500]).toBe(`note 1-500${'!'.repeat(30)}`);
    expect(first?.values[1]?.[7]).toBeNull();
    expect(first?.values[0]?.[2999]).toBe(2999);
    expect(second).toMatchObject({ rows: 0, info: { name: 'EMPTY' } });
    expect(third?.values[1]).toEqual(AVAL);
  });

  describe('refuses what a version 5 transport file cannot hold, naming the place', () => {
    async function refusal(columns: ColumnInfo[], batch: RowBatch, name = 'DM', label?: string): Promise<FormatError> {
      const file = target();
      const error = await writeXpt(file, [dataset(name, columns, [batch], label)]).catch((e: unknown) => e);
      expect(error).toBeInstanceOf(FormatError);
      expect(existsSync(file)).toBe(false);
      return error as FormatError;
    }
    const one = (values: (string | null)[] | Float64Array): RowBatch => ({ length: 1, columns: [values] });

    it.each([
      ['a name longer than 8 characters', 'RANDOMIZED', /column name "RANDOMIZED" is longer than 8 characters/],
      ['a name that is not a SAS name', 'AGE-GRP', /column name "AGE-GRP" is not a SAS name/],
      ['a name starting with a digit', '1STDOSE', /not a SAS name/],
      ['a reserved name', '_n_', /reserved/],
    ])('%s', async (_, name, message) => {
      const error = await refusal([{ name, type: 'number' }], one(Float64Array.of(1)));
      expect(error.message).toMatch(message);
      expect(error.location).toMatchObject({ dataset: 'DM', column: name });
      expect(error.message).toMatch(/^w\d+\.xpt, dataset DM, column /);
    });

    it('a dataset name longer than 8 characters', async () => {
      const error = await refusal([{ name: 'X', type: 'number' }], one(Float64Array.of(1)), 'DEMOGRAPHICS');
      expect(error.message).toMatch(/dataset name "DEMOGRAPHICS" is longer than 8/);
    });

    it('a label longer than 40 characters', async () => {
      const label = 'Date of First Exposure to Treatment (imputed)';
      const error = await refusal([{ name: 'TRTSDT', type: 'date', label }], one(Float64Array.of(1)));
      expect(error.location.column).toBe('TRTSDT');
      expect(error.message).toContain('over the transport version 5 limit of 40');
      const datasetLabel = await refusal([{ name: 'X', type: 'number' }], one(Float64Array.of(1)), 'DM', label);
      expect(datasetLabel.location).toMatchObject({ dataset: 'DM' });
      expect(datasetLabel.location.column).toBeUndefined();
    });

    it('a character length over 200', async () => {
      const error = await refusal([{ name: 'TEXT', type: 'string', length: 201 }], one(['x']));
      expect(error.message).toContain('character length 201 is outside 1..200');
      expect(error.location.column).toBe('TEXT');
    });

    it('a value longer than its column, or over 200 bytes when undeclared', async () => {
      const declared = await refusal([{ name: 'ARM', type: 'string', length: 5 }], one(['Placebo']));
      expect(declared.message).toMatch(
        /^w\d+\.xpt, dataset DM, row 1, column ARM: the value is 7 characters, over the column's length of 5$/,
      );
      const undeclared = await refusal([{ name: 'ARM', type: 'string' }], one(['x'.repeat(201)]));
      expect(undeclared.message).toContain('over the transport version 5 limit of 200');
    });

    it('text Windows-1252 cannot encode', async () => {
      const error = await refusal([{ name: 'SITE', type: 'string', length: 20 }], one(['東京']));
      expect(error.message).toContain('"東" cannot be encoded in Windows-1252');
      expect(error.location).toMatchObject({ column: 'SITE', row: 1 });
    });

    it('numbers beyond the IBM range and infinities', async () => {
      expect((await refusal([{ name: 'X', type: 'number' }], one(Float64Array.of(1e76)))).message).toContain('beyond');
      expect(
        (await refusal([{ name: 'X', type: 'number' }], one(Float64Array.of(Number.POSITIVE_INFINITY)))).message,
      ).toContain('Infinity cannot be stored');
    });
  });

  describe('pandas reads what the writer writes', () => {
    const python = '/usr/bin/python3';
    let hasPandas = false;
    try {
      execFileSync(python, ['-c', 'import pandas'], { stdio: 'ignore' });
      hasPandas = true;
    } catch {
      console.warn('pandas check of the writer skipped: /usr/bin/python3 cannot import pandas');
    }

    it.skipIf(!hasPandas)('with the same values', async () => {
      const file = target();
      await writeXpt(file, [dataset('ADLB', COLUMNS, [rowsBatch(0, 8)], 'Laboratory Analysis')]);
      const script = [
        'import json, math, sys, pandas as pd',
        "df = pd.read_sas(sys.argv[1], format='xport')",
        'def v(x):',
        "    if isinstance(x, bytes): return x.decode('cp1252')",
        '    return None if math.isnan(x) else x',
        "print(json.dumps({'columns': list(df.columns), 'rows': [[v(x) for x in r] for r in df.itertuples(index=False)]}))",
      ].join('\n');
      const read = JSON.parse(execFileSync(python, ['-c', script, file], { encoding: 'utf8' })) as {
        columns: string[];
        rows: (number | string | null)[][];
      };
      expect(read.columns).toEqual(['USUBJID', 'AVAL', 'CODE', 'ADT', 'ADTM', 'ATM', 'COMMENT']);
      // pandas 1.5 turns a stored 0 into 16^-65 (5.4e-79); everything else must match.
      const pandasNumber = (value: number) =>
        Number.isNaN(value) ? null : value === 0 ? 5.397605346934028e-79 : value;
      read.rows.forEach((row, i) => {
        expect(row[0]).toBe(USUBJID[i]);
        expect(row[1]).toBe(pandasNumber(AVAL[i] as number));
        expect(row[2]).toBe(pandasNumber(CODE[i] as number));
        expect(row[3]).toBe(pandasNumber((ADT[i] as number) + 3653));
        if (Number.isNaN(ADTM[i])) expect(row[4]).toBeNull();
        else expect(Math.abs((row[4] as number) - ((ADTM[i] as number) / 1000 + 315_619_200))).toBeLessThan(1e-6);
        expect(row[5]).toBe(pandasNumber(ATM[i] as number));
        expect(row[6] ?? '').toBe((COMMENT[i] ?? '').trimEnd());
      });
    });
  });
});
