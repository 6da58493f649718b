import path from 'node:path';
import { DSL_EXPRESSION_FUNCTIONS } from '@cdp/contracts';
import { DuckDBInstance } from '@duckdb/node-api';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { daysBetween, isFullDate, openPilot, type Pilot, type Row } from '../testing.ts';
import { compileExpression, EXPRESSION_FUNCTIONS } from './expression/compile.ts';
import { ExpressionError } from './expression/tokenize.ts';
import type { DslColumn } from './types.ts';

const DM_COLUMNS: DslColumn[] = [
  { name: 'AGE', type: 'number' },
  { name: 'SEX', type: 'string' },
  { name: 'RFSTDTC', type: 'string' },
  { name: 'RFSTDT', type: 'date' },
];

function errorOf(expression: string): ExpressionError {
  try {
    compileExpression(expression, DM_COLUMNS, 'DM (after step 2)');
  } catch (error) {
    if (error instanceof ExpressionError) return error;
    throw error;
  }
  throw new Error(`${expression} compiled`);
}

describe('expression errors name the position', () => {
  it.each([
    ['AGE +', 6, 'the expression ends too early'],
    ['upper(AGE)', 7, 'type mismatch: upper needs text, not a number'],
    ['foo(AGE)', 1, 'unknown function "foo"'],
    ['AGE * AGEX', 7, 'no column "AGEX" in DM (after step 2)'],
    ['"abc', 1, 'text is not closed'],
    ['AGE > 1 > 2', 9, 'comparisons cannot be chained'],
    ['RFSTDTC + 1', 9, 'use concat(a, b) to join text'],
    ['if(AGE, 1, 2)', 4, 'the condition of if needs true/false'],
    ['age_group(AGE, [65, 18])', 21, 'the cut points of age_group go up'],
    ['study_day(AGE, RFSTDTC)', 11, 'for SAS dates use parse_date'],
    ['RFSTDT > SEX', 8, 'type mismatch in a comparison: a date and text'],
    ['RFSTDT > "2014-13-45"', 10, 'is not a date'],
    ['AGE); DROP TABLE x; --', 5, 'unexpected character ";"'],
    ["read_parquet('/etc/passwd')", 1, 'unknown function "read_parquet"'],
    ['AGE and 1', 1, '"and" needs true/false'],
    ['substr(SEX)', 1, 'substr takes 2 to 3 arguments, not 1'],
    ['AGE ; 1', 5, 'unexpected character ";"'],
  ])('%s → position %i', (expression, position, message) => {
    const error = errorOf(expression);
    expect(error.position).toBe(position);
    expect(error.message).toContain(`position ${position}: `);
    expect(error.message).toContain(message);
  });

  it('compiles to SQL that names only quoted columns and our functions', () => {
    const { sql, type } = compileExpression('if(AGE >= 65 and SEX = "F", concat("x", AGE), \'y\')', DM_COLUMNS, 'DM');
    expect(type).toBe('string');
    expect(sql).toBe(
      `(CASE WHEN (("AGE" >= 65) AND ("SEX" = 'F')) THEN concat('x', cdp_number_text("AGE")) ELSE 'y' END)`,
    );
  });

  it('the functions the editor lists are the functions the compiler knows', () => {
    expect(Object.keys(DSL_EXPRESSION_FUNCTIONS).sort()).toEqual([...EXPRESSION_FUNCTIONS].sort());
  });

  it('quotes text so that it cannot end the literal', () => {
    expect(compileExpression(`concat(SEX, "it's")`, DM_COLUMNS, 'DM').sql).toBe(`concat("SEX", 'it''s')`);
  });
});

/** Every expression of the language on the pilot's DM, beside a JavaScript reference per row. */
const CASES: { name: string; expression: string; expected: (row: Row) => unknown; close?: boolean }[] = [
  {
    name: 'E_ARITH',
    expression: 'AGE * 2 + 1 - AGE / 4',
    expected: (r) => num(r.AGE) * 2 + 1 - num(r.AGE) / 4,
    close: true,
  },
  { name: 'E_MOD', expression: 'AGE % 7', expected: (r) => num(r.AGE) % 7 },
  { name: 'E_NEG', expression: '-AGE', expected: (r) => -num(r.AGE) },
  {
    name: 'E_LOGIC',
    expression: 'AGE >= 65 and not (SEX = "F") or AGE < 60',
    expected: (r) => (num(r.AGE) >= 65 && r.SEX !== 'F') || num(r.AGE) < 60,
  },
  {
    name: 'E_NE',
    expression: 'ARMCD != "Pbo" and ARMCD <> "Scrnfail"',
    expected: (r) => r.ARMCD !== 'Pbo' && r.ARMCD !== 'Scrnfail',
  },
  { name: 'E_ISNULL', expression: 'DTHDTC is null', expected: (r) => r.DTHDTC === null },
  { name: 'E_NOTNULL', expression: 'DTHDTC is not null', expected: (r) => r.DTHDTC !== null },
  { name: 'E_IF', expression: 'if(AGE >= 65, "old", "young")', expected: (r) => (num(r.AGE) >= 65 ? 'old' : 'young') },
  {
    name: 'E_CASE',
    expression: 'case when AGE < 60 then 1 when AGE < 75 then 2 else 3 end',
    expected: (r) => (num(r.AGE) < 60 ? 1 : num(r.AGE) < 75 ? 2 : 3),
  },
  {
    name: 'E_COALESCE',
    expression: 'coalesce(DTHDTC, RFENDTC, "none")',
    expected: (r) => r.DTHDTC ?? r.RFENDTC ?? 'none',
  },
  { name: 'E_UPPER', expression: 'upper(ARM)', expected: (r) => String(r.ARM).toUpperCase() },
  { name: 'E_LOWER', expression: 'lower(ARM)', expected: (r) => String(r.ARM).toLowerCase() },
  { name: 'E_TRIM', expression: 'trim(concat("  ", SEX, "  "))', expected: (r) => r.SEX },
  { name: 'E_SUBSTR', expression: 'substr(USUBJID, 4, 3)', expected: (r) => String(r.USUBJID).slice(3, 6) },
  { name: 'E_SUBSTR2', expression: 'substr(USUBJID, 8)', expected: (r) => String(r.USUBJID).slice(7) },
  {
    name: 'E_CONCAT',
    expression: 'concat(SITEID, "-", AGE, DTHDTC)',
    expected: (r) => `${r.SITEID}-${r.AGE}${r.DTHDTC ?? ''}`,
  },
  { name: 'E_LENGTH', expression: 'length(ARM)', expected: (r) => String(r.ARM).length },
  {
    name: 'E_REPLACE',
    expression: 'replace(ARM, "Xanomeline", "X")',
    expected: (r) => String(r.ARM).replaceAll('Xanomeline', 'X'),
  },
  { name: 'E_ROUND', expression: 'round(AGE / 7, 2)', expected: (r) => roundHalfAway(num(r.AGE) / 7, 2), close: true },
  { name: 'E_ROUND0', expression: 'round(AGE / 2)', expected: (r) => roundHalfAway(num(r.AGE) / 2, 0) },
  { name: 'E_FLOOR', expression: 'floor(AGE / 7)', expected: (r) => Math.floor(num(r.AGE) / 7) },
  { name: 'E_CEIL', expression: 'ceil(AGE / 7)', expected: (r) => Math.ceil(num(r.AGE) / 7) },
  { name: 'E_ABS', expression: 'abs(DMDY)', expected: (r) => (r.DMDY === null ? null : Math.abs(num(r.DMDY))) },
  {
    name: 'E_MIN',
    expression: 'min(AGE, DMDY + 100)',
    expected: (r) => (r.DMDY === null ? r.AGE : Math.min(num(r.AGE), num(r.DMDY) + 100)),
  },
  { name: 'E_MAX', expression: 'max(AGE, 70)', expected: (r) => Math.max(num(r.AGE), 70) },
  {
    name: 'E_DATEDIFF',
    expression: 'date_diff(RFSTDTC, RFENDTC)',
    expected: (r) => (isFullDate(r.RFSTDTC) && isFullDate(r.RFENDTC) ? daysBetween(r.RFSTDTC, r.RFENDTC) : null),
  },
  {
    name: 'E_ADDDAYS',
    expression: 'add_days(RFSTDTC, 30)',
    expected: (r) => (isFullDate(r.RFSTDTC) ? addDays(r.RFSTDTC, 30) : null),
  },
  {
    name: 'E_YEAR',
    expression: 'year(RFSTDTC)',
    expected: (r) => (isFullDate(r.RFSTDTC) ? Number(r.RFSTDTC.slice(0, 4)) : null),
  },
  {
    name: 'E_MONTH',
    expression: 'month(RFSTDTC)',
    expected: (r) => (isFullDate(r.RFSTDTC) ? Number(r.RFSTDTC.slice(5, 7)) : null),
  },
  {
    name: 'E_PARSE',
    expression: 'parse_date(RFSTDTC)',
    expected: (r) => (isFullDate(r.RFSTDTC) ? r.RFSTDTC.slice(0, 10) : null),
  },
  {
    name: 'E_AGEYEARS',
    expression: 'age_years(DMDTC, RFENDTC)',
    expected: (r) => (isFullDate(r.DMDTC) && isFullDate(r.RFENDTC) ? wholeYears(r.DMDTC, r.RFENDTC) : null),
  },
  { name: 'E_BMI', expression: 'bmi(AGE, 170)', expected: (r) => num(r.AGE) / (1.7 * 1.7), close: true },
  // The pilot's own DMDY is SDTM's study day of DMDTC: an independent reference for the no-day-0 rule.
  { name: 'E_STUDYDAY', expression: 'study_day(DMDTC, RFSTDTC)', expected: (r) => r.DMDY },
  {
    name: 'E_DURATION',
    expression: 'duration_days(RFSTDTC, RFENDTC)',
    expected: (r) => (isFullDate(r.RFSTDTC) && isFullDate(r.RFENDTC) ? daysBetween(r.RFSTDTC, r.RFENDTC) + 1 : null),
  },
  {
    name: 'E_AGEGROUP',
    expression: 'age_group(AGE, [18, 65, 80])',
    expected: (r) => (num(r.AGE) < 18 ? '<18' : num(r.AGE) < 65 ? '18-64' : num(r.AGE) < 80 ? '65-79' : '>=80'),
  },
];

describe.runIf(true)('every expression function on the pilot DM', () => {
  let pilot: Pilot;
  let source: Row[];
  let output: Row[];
  beforeAll(async () => {
    pilot = await openPilot(['DM']);
    source = await pilot.sql('SELECT * FROM {DM}');
    const steps = [
      ...CASES.map((c) => ({
        operation: 'add_calculated_column' as const,
        parameters: { dataset: 'DM', column_name: c.name, expression: c.expression },
      })),
      { operation: 'save_dataset' as const, parameters: { dataset: 'DM', output_name: 'out' } },
    ];
    const result = await pilot.run({ steps }, ['DM']);
    output = result.outputs.out ?? [];
  });
  afterAll(() => pilot?.close());

  it('keeps the rows in order', () => {
    expect(output.map((r) => r.USUBJID)).toEqual(source.map((r) => r.USUBJID));
    expect(source.length).toBe(306);
  });

  it.each(CASES.map((c) => [c.name, c.expression, c] as const))('%s: %s', (name, _expression, c) => {
    output.forEach((row, i) => {
      const expected = c.expected(source[i] as Row);
      const actual = row[name];
      if (c.close && typeof expected === 'number') expect(actual).toBeCloseTo(expected, 9);
      else expect(actual, `${name} on row ${i} (${row.USUBJID})`).toEqual(expected);
    });
  });

  it('the study day check covers days before and after the reference', () => {
    const days = output.map((r) => r.E_STUDYDAY as number | null).filter((d): d is number => d !== null);
    expect(days.some((d) => d < 0)).toBe(true);
    expect(days).not.toContain(0);
  });
});

describe('date functions on hand-computed edge cases', () => {
  let pilot: Pilot;
  let rows: Row[];
  beforeAll(async () => {
    pilot = await openPilot([]);
    const file = path.join(pilot.dir, 'edge.parquet');
    const db = await DuckDBInstance.create(':memory:');
    const connection = await db.connect();
    await connection.run(`COPY (SELECT * FROM (VALUES
      (1, '2024-03-15', 0.0, '2000-02-29', '2001-02-28', '2024-01-01', '2024-01-01', 70.0, 175.0),
      (2, '2024-03', 23000.5, '2000-02-29', '2001-03-01', '2023-12-31', '2024-01-01', 80.0, 0.0),
      (3, '2024', -1.0, '1990-06-15', '2024-06-14', '2024-01-10', '2024-01-01', NULL, 180.0),
      (4, '01JAN2014', NULL, '1990-06-15', '2024-06-15', '2024-01', '2024-01-01', 60.0, 160.0),
      (5, '2024-03-15T10:30', 1.0, NULL, '2024-06-15', '2024-03-01T08:00:00', '2024-02-28', 1.0, 100.0),
      (6, 'garbage', 365.0, '2024-02-29', '2025-02-28', '2024-02-28', '2024-02-29', 50.0, 150.0),
      (7, NULL, 21915.0, '1960-01-01', '2020-01-01', NULL, '2024-01-01', 90.0, 190.0)
    ) t(ID, T, N, BIRTH, REF, D, RFST, W, H)) TO '${file}' (FORMAT parquet)`);
    connection.closeSync();
    db.closeSync();
    const text = (name: string) => ({ name, type: 'string' });
    const number = (name: string) => ({ name, type: 'number' });
    pilot.inputs.E = {
      name: 'E',
      path: file,
      columns: [
        number('ID'),
        text('T'),
        number('N'),
        text('BIRTH'),
        text('REF'),
        text('D'),
        text('RFST'),
        number('W'),
        number('H'),
      ],
    };
    const add = (column_name: string, expression: string) => ({
      operation: 'add_calculated_column' as const,
      parameters: { dataset: 'E', column_name, expression },
    });
    const result = await pilot.run(
      {
        steps: [
          add('PT', 'parse_date(T)'),
          add('PN', 'parse_date(N)'),
          add('AGEY', 'age_years(BIRTH, REF)'),
          add('SDY', 'study_day(D, RFST)'),
          add('BMI', 'bmi(W, H)'),
          add('DUR', 'duration_days(RFST, D)'),
          add('PLUS', 'add_days(parse_date(T), -1)'),
          { operation: 'convert_types', parameters: { dataset: 'E', conversions: { T: 'datetime', N: 'datetime' } } },
          { operation: 'save_dataset', parameters: { dataset: 'E', output_name: 'e' } },
        ],
      },
      ['E'],
    );
    rows = result.outputs.e ?? [];
  });
  afterAll(() => pilot?.close());

  const col = (name: string) => rows.map((r) => r[name]);

  it('parse_date reads full, partial (first day imputed) and DATE9 dates; anything else is missing', () => {
    expect(col('PT')).toEqual(['2024-03-15', '2024-03-01', '2024-01-01', '2014-01-01', '2024-03-15', null, null]);
    expect(col('PLUS')).toEqual(['2024-03-14', '2024-02-29', '2023-12-31', '2013-12-31', '2024-03-14', null, null]);
  });

  it('parse_date reads SAS dates: days since 1960-01-01', () => {
    // 23000 days after 1960-01-01 is 2022-12-21; 21915 days is 2020-01-01.
    expect(col('PN')).toEqual([
      '1960-01-01',
      '2022-12-21',
      '1959-12-31',
      null,
      '1960-01-02',
      '1960-12-31',
      '2020-01-01',
    ]);
  });

  it('age_years counts whole years (a 29 February birthday is reached on 1 March)', () => {
    expect(col('AGEY')).toEqual([0, 1, 33, 34, null, 0, 60]);
  });

  it('study_day has no day 0; partial dates get none', () => {
    expect(col('SDY')).toEqual([1, -1, 10, null, 3, -1, null]);
    expect(col('DUR')).toEqual([1, 0, 10, null, 3, 0, null]);
  });

  it('bmi is kg / m², missing for a missing or zero height', () => {
    expect(rows[0]?.BMI).toBeCloseTo(70 / 1.75 ** 2, 10);
    expect(col('BMI').slice(1, 3)).toEqual([null, null]);
    expect(rows[3]?.BMI).toBeCloseTo(60 / 1.6 ** 2, 10);
  });

  it('convert_types to datetime reads ISO text and SAS datetimes (seconds since 1960)', () => {
    expect(col('T')).toEqual([
      '2024-03-15 00:00:00',
      '2024-03-01 00:00:00',
      '2024-01-01 00:00:00',
      '2014-01-01 00:00:00',
      '2024-03-15 10:30:00',
      null,
      null,
    ]);
    expect(col('N')).toEqual([
      '1960-01-01 00:00:00',
      '1960-01-01 06:23:20.5',
      '1959-12-31 23:59:59',
      null,
      '1960-01-01 00:00:01',
      '1960-01-01 00:06:05',
      '1960-01-01 06:05:15',
    ]);
  });
});

function num(value: unknown): number {
  if (typeof value !== 'number') throw new Error(`not a number: ${String(value)}`);
  return value;
}

function roundHalfAway(x: number, digits: number): number {
  const f = 10 ** digits;
  return (Math.sign(x) * Math.round(Math.abs(x) * f)) / f;
}

function addDays(date: string, days: number): string {
  return new Date(Date.parse(`${date.slice(0, 10)}T00:00:00Z`) + days * 86_400_000).toISOString().slice(0, 10);
}

function wholeYears(birth: string, ref: string): number {
  const [by, bm, bd] = birth.slice(0, 10).split('-').map(Number) as [number, number, number];
  const [ry, rm, rd] = ref.slice(0, 10).split('-').map(Number) as [number, number, number];
  return ry - by - (rm * 100 + rd < bm * 100 + bd ? 1 : 0);
}
