import type { DslBodyInput, DslStepInput } from '@cdp/contracts';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { openPilot, type Pilot, type Row } from '../testing.ts';

/**
 * Every operation and filter operator on the CDISC pilot SDTM, each result beside a reference
 * computed independently: plain SQL on the same Parquet file, or a few lines of JavaScript over its
 * rows in file order.
 */
let pilot: Pilot;
let DM: Row[];
let AE: Row[];
let EX: Row[];

beforeAll(async () => {
  pilot = await openPilot(['DM', 'AE', 'EX']);
  DM = await pilot.sql('SELECT * FROM {DM}');
  AE = await pilot.sql('SELECT * FROM {AE}');
  EX = await pilot.sql('SELECT * FROM {EX}');
});
afterAll(() => pilot?.close());

const save = (dataset: string, output_name = 'out'): DslStepInput => ({
  operation: 'save_dataset',
  parameters: { dataset, output_name },
});

async function runSteps(steps: DslStepInput[], inputs: string[], output = 'out'): Promise<Row[]> {
  const body: DslBodyInput = { steps };
  const result = await pilot.run(body, inputs);
  const rows = result.outputs[output];
  if (!rows) throw new Error(`no output ${output}`);
  return rows;
}

const pick = (rows: Row[], ...columns: string[]) => rows.map((r) => columns.map((c) => r[c]));

describe('columns', () => {
  it('select_columns keeps the listed columns in order; with output_name the input is unchanged', async () => {
    const result = await pilot.run(
      {
        steps: [
          { operation: 'select_columns', parameters: { dataset: 'DM', columns: ['AGE', 'usubjid'], output_name: 'X' } },
          save('X', 'x'),
          save('DM', 'dm'),
        ],
      },
      ['DM'],
    );
    expect(Object.keys(result.outputs.x?.[0] ?? {})).toEqual(['AGE', 'USUBJID']);
    expect(pick(result.outputs.x ?? [], 'AGE', 'USUBJID')).toEqual(pick(DM, 'AGE', 'USUBJID'));
    expect(result.outputs.dm).toEqual(DM);
  });

  it('drop_columns removes the listed columns', async () => {
    const rows = await runSteps(
      [{ operation: 'drop_columns', parameters: { dataset: 'DM', columns: ['AGE', 'DTHDTC'] } }, save('DM')],
      ['DM'],
    );
    expect(Object.keys(rows[0] ?? {})).toEqual(Object.keys(DM[0] ?? {}).filter((c) => c !== 'AGE' && c !== 'DTHDTC'));
    expect(rows.map((r) => r.USUBJID)).toEqual(DM.map((r) => r.USUBJID));
  });

  it('rename_columns renames and keeps values', async () => {
    const rows = await runSteps(
      [
        { operation: 'rename_columns', parameters: { dataset: 'DM', mapping: { AGE: 'AGEYRS', sex: 'GENDER' } } },
        save('DM'),
      ],
      ['DM'],
    );
    expect(pick(rows, 'AGEYRS', 'GENDER')).toEqual(pick(DM, 'AGE', 'SEX'));
    expect(Object.keys(rows[0] ?? {})).not.toContain('AGE');
  });

  it('add_calculated_column may replace a column in place', async () => {
    const rows = await runSteps(
      [
        {
          operation: 'add_calculated_column',
          parameters: { dataset: 'DM', column_name: 'AGE', expression: 'AGE + 1' },
        },
        save('DM'),
      ],
      ['DM'],
    );
    expect(Object.keys(rows[0] ?? {})).toEqual(Object.keys(DM[0] ?? {}));
    expect(rows.map((r) => r.AGE)).toEqual(DM.map((r) => (r.AGE as number) + 1));
  });
});

describe('filter_rows: every operator beside the same WHERE in plain SQL', () => {
  const cases: [string, Record<string, unknown>[], string][] = [
    ['equals', [{ column: 'ARMCD', operator: 'equals', value: 'Pbo' }], `ARMCD = 'Pbo'`],
    [
      'not_equals keeps missing values',
      [{ column: 'DTHFL', operator: 'not_equals', value: 'Y' }],
      `DTHFL IS NULL OR DTHFL <> 'Y'`,
    ],
    ['greater_than', [{ column: 'AGE', operator: 'greater_than', value: 80 }], 'AGE > 80'],
    ['greater_or_equal (number as text)', [{ column: 'AGE', operator: 'greater_or_equal', value: '80' }], 'AGE >= 80'],
    ['less_than', [{ column: 'AGE', operator: 'less_than', value: 60 }], 'AGE < 60'],
    ['less_or_equal', [{ column: 'AGE', operator: 'less_or_equal', value: 60 }], 'AGE <= 60'],
    ['in', [{ column: 'ARMCD', operator: 'in', value: ['Pbo', 'Xan_Hi'] }], `ARMCD IN ('Pbo', 'Xan_Hi')`],
    [
      'not_in',
      [{ column: 'ARMCD', operator: 'not_in', value: ['Pbo', 'Xan_Hi'] }],
      `ARMCD NOT IN ('Pbo', 'Xan_Hi') OR ARMCD IS NULL`,
    ],
    ['contains', [{ column: 'ARM', operator: 'contains', value: 'Dose' }], `ARM LIKE '%Dose%'`],
    ['starts_with', [{ column: 'USUBJID', operator: 'starts_with', value: '01-70' }], `USUBJID LIKE '01-70%'`],
    ['is_null', [{ column: 'DTHDTC', operator: 'is_null' }], 'DTHDTC IS NULL'],
    ['is_not_null', [{ column: 'DTHDTC', operator: 'is_not_null' }], 'DTHDTC IS NOT NULL'],
    ['between', [{ column: 'AGE', operator: 'between', value: [65, 75] }], 'AGE >= 65 AND AGE <= 75'],
    [
      'AND with an any group (OR)',
      [
        { column: 'ARMCD', operator: 'equals', value: 'Pbo' },
        {
          any: [
            { column: 'AGE', operator: 'less_than', value: 60 },
            { column: 'SEX', operator: 'equals', value: 'F' },
          ],
        },
      ],
      `ARMCD = 'Pbo' AND (AGE < 60 OR SEX = 'F')`,
    ],
  ];

  it.each(cases)('%s', async (_name, conditions, where) => {
    const rows = await runSteps(
      [{ operation: 'filter_rows', parameters: { dataset: 'DM', conditions } } as DslStepInput, save('DM')],
      ['DM'],
    );
    const expected = await pilot.sql(`SELECT USUBJID FROM {DM} WHERE ${where}`);
    expect(expected.length).toBeGreaterThan(0);
    expect(expected.length).toBeLessThan(DM.length);
    expect(rows.map((r) => r.USUBJID)).toEqual(expected.map((r) => r.USUBJID));
  });

  it('compares dates with ISO text once the column is a date', async () => {
    const rows = await runSteps(
      [
        { operation: 'convert_types', parameters: { dataset: 'DM', conversions: { RFSTDTC: 'date' } } },
        {
          operation: 'filter_rows',
          parameters: {
            dataset: 'DM',
            conditions: [{ column: 'RFSTDTC', operator: 'greater_or_equal', value: '2013-06-01' }],
          },
        },
        save('DM'),
      ],
      ['DM'],
    );
    const expected = DM.filter((r) => typeof r.RFSTDTC === 'string' && r.RFSTDTC >= '2013-06-01');
    expect(expected.length).toBeGreaterThan(10);
    expect(rows.map((r) => r.USUBJID)).toEqual(expected.map((r) => r.USUBJID));
  });
});

describe('drop_duplicates', () => {
  it('keeps the first row per key, in row order', async () => {
    const rows = await runSteps(
      [{ operation: 'drop_duplicates', parameters: { dataset: 'AE', columns: ['USUBJID'] } }, save('AE')],
      ['AE'],
    );
    const seen = new Set<unknown>();
    const expected = AE.filter((r) => !seen.has(r.USUBJID) && seen.add(r.USUBJID));
    expect(pick(rows, 'USUBJID', 'AESEQ')).toEqual(pick(expected, 'USUBJID', 'AESEQ'));
  });

  it('keeps the last row per key', async () => {
    const rows = await runSteps(
      [{ operation: 'drop_duplicates', parameters: { dataset: 'AE', columns: ['USUBJID'], keep: 'last' } }, save('AE')],
      ['AE'],
    );
    const last = new Map<unknown, number>();
    for (const [i, r] of AE.entries()) last.set(r.USUBJID, i);
    const expected = AE.filter((r, i) => last.get(r.USUBJID) === i);
    expect(pick(rows, 'USUBJID', 'AESEQ')).toEqual(pick(expected, 'USUBJID', 'AESEQ'));
  });

  it('compares every column when none are given', async () => {
    const rows = await runSteps(
      [
        { operation: 'select_columns', parameters: { dataset: 'AE', columns: ['USUBJID', 'AESEV'] } },
        { operation: 'drop_duplicates', parameters: { dataset: 'AE' } },
        save('AE'),
      ],
      ['AE'],
    );
    const seen = new Set<string>();
    const expected = AE.filter((r) => {
      const key = `${r.USUBJID}|${r.AESEV}`;
      return !seen.has(key) && seen.add(key);
    });
    expect(pick(rows, 'USUBJID', 'AESEV')).toEqual(pick(expected, 'USUBJID', 'AESEV'));
  });
});

describe('fill_missing', () => {
  const fill = (parameters: Record<string, unknown>) =>
    runSteps(
      [
        {
          operation: 'fill_missing',
          parameters: { dataset: 'AE', columns: ['AEENDY'], ...parameters },
        } as DslStepInput,
        save('AE'),
      ],
      ['AE'],
    );
  const ends = () => AE.map((r) => r.AEENDY as number | null);

  it('the data has missing values to fill', () => {
    expect(ends().filter((v) => v === null).length).toBeGreaterThan(50);
  });

  it('a fixed value', async () => {
    const rows = await runSteps(
      [
        { operation: 'fill_missing', parameters: { dataset: 'AE', columns: ['AEENDTC', 'AEOUT'], value: 'UNKNOWN' } },
        save('AE'),
      ],
      ['AE'],
    );
    expect(pick(rows, 'AEENDTC', 'AEOUT')).toEqual(AE.map((r) => [r.AEENDTC ?? 'UNKNOWN', r.AEOUT ?? 'UNKNOWN']));
  });

  it('previous value within each subject (LOCF), never across subjects', async () => {
    const rows = await fill({ method: 'previous', group_by: ['USUBJID'] });
    const last = new Map<unknown, number | null>();
    const expected = AE.map((r) => {
      const value = (r.AEENDY as number | null) ?? last.get(r.USUBJID) ?? null;
      if (value !== null) last.set(r.USUBJID, value);
      return value;
    });
    expect(rows.map((r) => r.AEENDY)).toEqual(expected);
  });

  it('next value across the whole dataset', async () => {
    const rows = await fill({ method: 'next' });
    const values = ends();
    const expected = values.map((v, i) => v ?? values.slice(i).find((x) => x !== null) ?? null);
    expect(rows.map((r) => r.AEENDY)).toEqual(expected);
  });

  it('mean per subject', async () => {
    const rows = await fill({ method: 'mean', group_by: ['USUBJID'] });
    const bySubject = new Map<unknown, number[]>();
    for (const r of AE)
      if (r.AEENDY !== null) bySubject.set(r.USUBJID, [...(bySubject.get(r.USUBJID) ?? []), r.AEENDY as number]);
    const expected = AE.map((r) => {
      if (r.AEENDY !== null) return r.AEENDY;
      const values = bySubject.get(r.USUBJID);
      return values ? values.reduce((a, b) => a + b, 0) / values.length : null;
    });
    rows.forEach((r, i) => {
      const e = expected[i];
      if (e === null || e === undefined) expect(r.AEENDY).toBeNull();
      else expect(r.AEENDY).toBeCloseTo(e as number, 9);
    });
  });

  it('median of the column', async () => {
    const rows = await fill({ method: 'median' });
    const sorted = ends()
      .filter((v): v is number => v !== null)
      .sort((a, b) => a - b);
    const mid = sorted.length / 2;
    const median =
      sorted.length % 2
        ? (sorted[Math.floor(mid)] as number)
        : ((sorted[mid - 1] as number) + (sorted[mid] as number)) / 2;
    expect(rows.map((r) => r.AEENDY)).toEqual(ends().map((v) => v ?? median));
  });
});

describe('convert_types', () => {
  it('text dates (partial ones imputed to the first day), integers, text and booleans', async () => {
    const result = await pilot.run(
      {
        steps: [
          {
            operation: 'convert_types',
            parameters: {
              dataset: 'AE',
              conversions: {
                AESTDTC: 'date',
                AESEQ: 'integer',
                AESTDY: 'string',
                AESER: 'boolean',
                AEBDSYCD: 'numeric',
              },
            },
          },
          save('AE'),
        ],
      },
      ['AE'],
    );
    const rows = result.outputs.out ?? [];
    const partial = AE.filter((r) => typeof r.AESTDTC === 'string' && r.AESTDTC.length < 10);
    expect(partial.length).toBeGreaterThan(0);
    const impute = (v: unknown) =>
      typeof v !== 'string' ? null : v.length === 4 ? `${v}-01-01` : v.length === 7 ? `${v}-01` : v.slice(0, 10);
    expect(rows.map((r) => r.AESTDTC)).toEqual(AE.map((r) => impute(r.AESTDTC)));
    expect(rows.map((r) => r.AESEQ)).toEqual(AE.map((r) => r.AESEQ));
    expect(rows.map((r) => r.AESTDY)).toEqual(AE.map((r) => (r.AESTDY === null ? null : String(r.AESTDY))));
    expect(rows.map((r) => r.AESER)).toEqual(AE.map((r) => (r.AESER === 'Y' ? true : r.AESER === 'N' ? false : null)));
    expect(result.logs.filter((l) => l.level === 'warn')).toEqual([]);
  });

  it('says how many values could not be converted', async () => {
    const result = await pilot.run(
      {
        steps: [
          { operation: 'convert_types', parameters: { dataset: 'DM', conversions: { ARM: 'numeric' } } },
          save('DM'),
        ],
      },
      ['DM'],
    );
    expect(result.outputs.out?.every((r) => r.ARM === null)).toBe(true);
    expect(result.logs).toContainEqual({
      level: 'warn',
      step: 0,
      message: 'ARM: 306 values could not be read as number and became missing',
    });
  });
});

describe('pivot and unpivot', () => {
  it('pivot: one column per AESEV value with the count per subject', async () => {
    const rows = await runSteps(
      [
        {
          operation: 'pivot',
          parameters: { dataset: 'AE', index: ['USUBJID'], columns: 'AESEV', values: 'AESEQ', aggregate: 'count' },
        },
        save('AE'),
      ],
      ['AE'],
    );
    const severities = [...new Set(AE.map((r) => r.AESEV as string))].sort();
    expect(Object.keys(rows[0] ?? {})).toEqual(['USUBJID', ...severities]);
    const subjects = [...new Set(AE.map((r) => r.USUBJID as string))].sort();
    expect(rows.map((r) => r.USUBJID)).toEqual(subjects);
    for (const row of rows)
      for (const severity of severities)
        expect(row[severity]).toBe(AE.filter((r) => r.USUBJID === row.USUBJID && r.AESEV === severity).length);
  });

  it('pivot with first: the first dose of each visit, in row order', async () => {
    const rows = await runSteps(
      [
        { operation: 'pivot', parameters: { dataset: 'EX', index: ['USUBJID'], columns: 'VISIT', values: 'EXDOSE' } },
        save('EX'),
      ],
      ['EX'],
    );
    const visits = [...new Set(EX.map((r) => r.VISIT as string))].sort();
    for (const row of rows)
      for (const visit of visits)
        expect(row[visit]).toBe(EX.find((r) => r.USUBJID === row.USUBJID && r.VISIT === visit)?.EXDOSE ?? null);
  });

  it('unpivot: a row per subject and column, the inverse of pivot', async () => {
    const rows = await runSteps(
      [
        {
          operation: 'unpivot',
          parameters: {
            dataset: 'DM',
            index: ['USUBJID'],
            columns: ['AGE', 'DMDY'],
            names_to: 'PARAM',
            values_to: 'AVAL',
          },
        },
        save('DM'),
      ],
      ['DM'],
    );
    expect(pick(rows, 'USUBJID', 'PARAM', 'AVAL')).toEqual(
      DM.flatMap((r) => [
        [r.USUBJID, 'AGE', r.AGE],
        [r.USUBJID, 'DMDY', r.DMDY],
      ]),
    );
  });
});

describe('merge_datasets', () => {
  /** The reference: for each left row in order its matches in right order, then unmatched right rows. */
  function join(left: Row[], right: Row[], how: string): [unknown, unknown, unknown][] {
    const out: [unknown, unknown, unknown][] = [];
    const matched = new Set<Row>();
    for (const l of left) {
      const matches = right.filter((r) => r.USUBJID === l.USUBJID);
      for (const r of matches) {
        matched.add(r);
        out.push([l.USUBJID, l.AGE, r.AESEQ]);
      }
      if (matches.length === 0 && (how === 'left' || how === 'outer')) out.push([l.USUBJID, l.AGE, null]);
    }
    if (how === 'right' || how === 'outer')
      for (const r of right) if (!matched.has(r)) out.push([r.USUBJID, null, r.AESEQ]);
    return out;
  }

  it.each(['inner', 'left', 'right', 'outer'])('%s join of placebo DM with AE', async (how) => {
    const rows = await runSteps(
      [
        {
          operation: 'filter_rows',
          parameters: { dataset: 'DM', conditions: [{ column: 'ARMCD', operator: 'equals', value: 'Pbo' }] },
        },
        {
          operation: 'merge_datasets',
          parameters: { left: 'DM', right: 'AE', on: ['USUBJID'], how: how as 'inner', output_name: 'M' },
        },
        save('M'),
      ],
      ['DM', 'AE'],
    );
    const expected = join(
      DM.filter((r) => r.ARMCD === 'Pbo'),
      AE,
      how,
    );
    if (how === 'right') expect(rows.length).toBe(AE.length);
    expect(pick(rows, 'USUBJID', 'AGE', 'AESEQ')).toEqual(expected);
    expect(Object.keys(rows[0] ?? {})).toContain('STUDYID_x');
    expect(Object.keys(rows[0] ?? {})).toContain('STUDYID_y');
  });

  it('custom suffixes and several keys', async () => {
    const rows = await runSteps(
      [
        {
          operation: 'merge_datasets',
          parameters: { left: 'DM', right: 'AE', on: ['STUDYID', 'USUBJID'], suffixes: ['', '_AE'], output_name: 'M' },
        },
        save('M'),
      ],
      ['DM', 'AE'],
    );
    expect(Object.keys(rows[0] ?? {}).slice(0, 3)).toEqual(['STUDYID', 'USUBJID', 'DOMAIN']);
    expect(Object.keys(rows[0] ?? {})).toContain('DOMAIN_AE');
    expect(rows.length).toBe(AE.length);
  });
});

describe('aggregate', () => {
  it('every function by body system and severity', async () => {
    const rows = await runSteps(
      [
        {
          operation: 'aggregate',
          parameters: {
            dataset: 'AE',
            group_by: ['AEBODSYS', 'AESEV'],
            measures: [
              { function: 'count', as: 'N' },
              { column: 'AEENDY', function: 'count', as: 'N_END' },
              { column: 'USUBJID', function: 'n_distinct', as: 'SUBJECTS' },
              { column: 'AESEQ', function: 'sum', as: 'SUM' },
              { column: 'AESEQ', function: 'mean', as: 'MEAN' },
              { column: 'AESEQ', function: 'median', as: 'MEDIAN' },
              { column: 'AESTDTC', function: 'min', as: 'FIRSTDTC' },
              { column: 'AESEQ', function: 'max', as: 'MAX' },
              { column: 'AESEQ', function: 'std', as: 'SD' },
              { column: 'AETERM', function: 'first', as: 'FIRST' },
              { column: 'AETERM', function: 'last', as: 'LAST' },
            ],
          },
        },
        save('AE'),
      ],
      ['AE'],
    );
    const groups = new Map<string, Row[]>();
    for (const r of AE) {
      const key = JSON.stringify([r.AEBODSYS, r.AESEV]);
      groups.set(key, [...(groups.get(key) ?? []), r]);
    }
    const keys = [...groups.keys()].sort((a, b) => {
      const [a1, a2] = JSON.parse(a) as string[];
      const [b1, b2] = JSON.parse(b) as string[];
      return (a1 as string) < (b1 as string)
        ? -1
        : a1 === b1
          ? (a2 as string) < (b2 as string)
            ? -1
            : a2 === b2
              ? 0
              : 1
          : 1;
    });
    expect(rows.map((r) => JSON.stringify([r.AEBODSYS, r.AESEV]))).toEqual(keys);
    for (const row of rows) {
      const g = groups.get(JSON.stringify([row.AEBODSYS, row.AESEV])) ?? [];
      const seq = g.map((r) => r.AESEQ as number);
      const mean = seq.reduce((a, b) => a + b, 0) / seq.length;
      const sorted = [...seq].sort((a, b) => a - b);
      const mid = sorted.length / 2;
      expect(row.N).toBe(g.length);
      expect(row.N_END).toBe(g.filter((r) => r.AEENDY !== null).length);
      expect(row.SUBJECTS).toBe(new Set(g.map((r) => r.USUBJID)).size);
      expect(row.SUM).toBeCloseTo(
        seq.reduce((a, b) => a + b, 0),
        9,
      );
      expect(row.MEAN).toBeCloseTo(mean, 9);
      expect(row.MEDIAN).toBeCloseTo(
        sorted.length % 2
          ? (sorted[Math.floor(mid)] as number)
          : ((sorted[mid - 1] as number) + (sorted[mid] as number)) / 2,
        9,
      );
      expect(row.FIRSTDTC).toBe(g.map((r) => r.AESTDTC as string).sort()[0]);
      expect(row.MAX).toBe(Math.max(...seq));
      if (seq.length > 1)
        expect(row.SD).toBeCloseTo(Math.sqrt(seq.reduce((a, b) => a + (b - mean) ** 2, 0) / (seq.length - 1)), 9);
      else expect(row.SD).toBeNull();
      expect(row.FIRST).toBe(g[0]?.AETERM);
      expect(row.LAST).toBe(g[g.length - 1]?.AETERM);
    }
  });

  it('without groups: one row', async () => {
    const rows = await runSteps(
      [
        {
          operation: 'aggregate',
          parameters: {
            dataset: 'DM',
            group_by: [],
            measures: [
              { function: 'count', as: 'N' },
              { column: 'AGE', function: 'mean', as: 'AGE' },
            ],
          },
        },
        save('DM'),
      ],
      ['DM'],
    );
    expect(rows).toHaveLength(1);
    expect(rows[0]?.N).toBe(306);
    expect(rows[0]?.AGE).toBeCloseTo(DM.reduce((a, r) => a + (r.AGE as number), 0) / 306, 9);
  });
});

describe('sort_by', () => {
  it('sorts by several keys, descending where asked, ties in row order', async () => {
    const rows = await runSteps(
      [
        {
          operation: 'sort_by',
          parameters: { dataset: 'DM', columns: [{ column: 'ARMCD' }, { column: 'AGE', descending: true }] },
        },
        save('DM'),
      ],
      ['DM'],
    );
    const expected = DM.map((r, i) => ({ r, i })).sort((a, b) => {
      const arm = String(a.r.ARMCD) < String(b.r.ARMCD) ? -1 : a.r.ARMCD === b.r.ARMCD ? 0 : 1;
      return arm || (b.r.AGE as number) - (a.r.AGE as number) || a.i - b.i;
    });
    expect(rows.map((r) => r.USUBJID)).toEqual(expected.map((e) => e.r.USUBJID));
  });

  it('puts missing values last', async () => {
    const rows = await runSteps(
      [{ operation: 'sort_by', parameters: { dataset: 'AE', columns: [{ column: 'AEENDY' }] } }, save('AE')],
      ['AE'],
    );
    const expected = AE.map((r, i) => ({ v: r.AEENDY as number | null, i })).sort((a, b) => {
      if (a.v === null || b.v === null) return a.v === b.v ? a.i - b.i : a.v === null ? 1 : -1;
      return a.v - b.v || a.i - b.i;
    });
    expect(rows.map((r) => r.AEENDY)).toEqual(expected.map((e) => e.v));
    expect(pick(rows, 'USUBJID', 'AESEQ')).toEqual(expected.map((e) => [AE[e.i]?.USUBJID, AE[e.i]?.AESEQ]));
  });
});

describe('save_dataset', () => {
  it('writes one Parquet file per output, with rows, columns and progress per step (run step by step)', async () => {
    const result = await pilot.run(
      {
        steps: [
          {
            operation: 'filter_rows',
            parameters: {
              dataset: 'DM',
              conditions: [{ column: 'SEX', operator: 'equals', value: 'F' }],
              output_name: 'F',
            },
          },
          save('F', 'women'),
          save('DM', 'everyone'),
        ],
      },
      ['DM'],
      undefined,
      'steps',
    );
    const women = DM.filter((r) => r.SEX === 'F').length;
    expect(result.outputs.women).toHaveLength(women);
    expect(result.outputs.everyone).toHaveLength(306);
    expect(result.progress.map((p) => [p.step, p.steps, p.rows])).toEqual([
      [1, 3, women],
      [2, 3, women],
      [3, 3, 306],
    ]);
    expect(result.logs.map((l) => l.message)).toEqual([
      expect.stringMatching(new RegExp(`^step 1/3 Filter rows \\(filter_rows\\) F: 306 → ${women} rows, \\d+ ms$`)),
      expect.stringMatching(
        new RegExp(`^step 2/3 Save as output \\(save_dataset\\) F → output women: ${women} → ${women} rows, \\d+ ms$`),
      ),
      expect.stringMatching(/^step 3\/3 Save as output \(save_dataset\) DM → output everyone: 306 → 306 rows, \d+ ms$/),
    ]);
  });
});
