import type { QueryResult } from '@cdp/contracts';
import { describe, expect, it } from 'vitest';
import type { WidgetContext } from '../types.ts';
import { type AeExplorerOptions, aeExplorer, comparedArms } from './index.ts';
import { relativeRisk, riskDifference } from './risk.ts';

const ADAE = (column: string) => ({ dataset: 'ADAE', column });
const ADSL = (column: string) => ({ dataset: 'ADSL', column });

const FIELDS = {
  subject_id: ADAE('USUBJID'),
  arm: ADSL('TRT01A'),
  ae_body_system: ADAE('AEBODSYS'),
  ae_term: ADAE('AEDECOD'),
  ae_serious: ADAE('AESER'),
  ae_severity: ADAE('AESEV'),
  ae_related: ADAE('AEREL'),
  ae_outcome: ADAE('AEOUT'),
  ae_treatment_emergent: ADAE('TRTEMFL'),
  population_flag: ADAE('SAFFL'),
};

function context(
  overrides: Omit<Partial<WidgetContext<AeExplorerOptions>>, 'options'> & { options?: Partial<AeExplorerOptions> } = {},
): WidgetContext<AeExplorerOptions> {
  return {
    dataset: 'ADAE',
    population: 'ADSL',
    fields: FIELDS,
    filters: [],
    ...overrides,
    options: aeExplorer.options.parse(overrides.options ?? {}),
  };
}

/**
 * The test's own reference (textbook formulas, written apart from the widget's):
 * RD = p1 − p2 ± 1.96·√(p1q1/n1 + p2q2/n2); RR = p1/p2, exp(ln RR ± 1.96·√(1/a − 1/n1 + 1/c − 1/n2)),
 * Haldane's 0.5 in every cell of a table with a zero cell.
 */
const Z = 1.959963984540054;
function reference(a: number, n1: number, c: number, n2: number) {
  const p1 = a / n1;
  const p2 = c / n2;
  const half = Z * Math.sqrt((p1 * (1 - p1)) / n1 + (p2 * (1 - p2)) / n2);
  const zero = [a, n1 - a, c, n2 - c].includes(0);
  const [A, B, C, D] = [a, n1 - a, c, n2 - c].map((x) => x + (zero ? 0.5 : 0)) as [number, number, number, number];
  const rr = A / (A + B) / (C / (C + D));
  const se = Math.sqrt(1 / A - 1 / (A + B) + 1 / C - 1 / (C + D));
  return {
    rd: [p1 - p2, p1 - p2 - half, p1 - p2 + half],
    rr: a === 0 && c === 0 ? [null, null, null] : [rr, rr / Math.exp(Z * se), rr * Math.exp(Z * se)],
  };
}

describe('risk difference and relative risk', () => {
  it('a hand-checked 2×2: 10/50 against 5/50', () => {
    // p1 = 0.2, p2 = 0.1: RD = 0.1, SE = √(0.2·0.8/50 + 0.1·0.9/50) = √0.005 = 0.070711,
    // CI 0.1 ± 1.96·0.070711 = (−0.0386, 0.2386). RR = 2, SE(ln RR) = √(1/10 − 1/50 + 1/5 − 1/50) = √0.26
    // = 0.50990, CI 2·e^(∓0.99940) = (0.7362, 5.4332).
    const rd = riskDifference(10, 50, 5, 50);
    expect(rd.estimate).toBeCloseTo(0.1, 10);
    expect(rd.low).toBeCloseTo(-0.0386, 4);
    expect(rd.high).toBeCloseTo(0.2386, 4);
    const rr = relativeRisk(10, 50, 5, 50);
    expect(rr.estimate).toBeCloseTo(2, 10);
    expect(rr.low).toBeCloseTo(0.7362, 4);
    expect(rr.high).toBeCloseTo(5.4332, 4);
  });

  it('a zero cell: 3/20 against 0/20 (Haldane for RR only)', () => {
    // RR with 0.5 in each cell: (3.5/21)/(0.5/21) = 7, SE = √(1/3.5 − 1/21 + 1/0.5 − 1/21) = 1.48003,
    // CI 7·e^(∓2.90080) = (0.3849, 127.32). RD: 0.15 ± 1.96·√(0.15·0.85/20) = (−0.0065, 0.3065), no correction.
    const rr = relativeRisk(3, 20, 0, 20);
    expect(rr.estimate).toBeCloseTo(7, 10);
    expect(rr.low).toBeCloseTo(0.3849, 4);
    expect(rr.high).toBeCloseTo(127.32, 2);
    const rd = riskDifference(3, 20, 0, 20);
    expect(rd.estimate).toBeCloseTo(0.15, 10);
    expect(rd.low).toBeCloseTo(-0.0065, 4);
    expect(rd.high).toBeCloseTo(0.3065, 4);
  });

  it('no events in either arm: RD 0 (0, 0), RR not estimable; an empty arm gives nothing', () => {
    expect(riskDifference(0, 30, 0, 40)).toEqual({ estimate: 0, low: 0, high: 0 });
    expect(relativeRisk(0, 30, 0, 40)).toEqual({ estimate: null, low: null, high: null });
    expect(riskDifference(1, 0, 0, 40)).toEqual({ estimate: null, low: null, high: null });
  });

  it.each([
    [12, 86, 3, 84],
    [1, 86, 0, 84],
    [86, 86, 40, 84],
    [0, 86, 7, 84],
    [25, 72, 25, 72],
  ])('matches the reference formulas for %i/%i against %i/%i', (a, n1, c, n2) => {
    const want = reference(a, n1, c, n2);
    const rd = riskDifference(a, n1, c, n2);
    const rr = relativeRisk(a, n1, c, n2);
    for (const [i, v] of [rd.estimate, rd.low, rd.high].entries()) expect(v).toBeCloseTo(want.rd[i] as number, 12);
    for (const [i, v] of [rr.estimate, rr.low, rr.high].entries()) expect(v).toBeCloseTo(want.rr[i] as number, 10);
  });
});

describe('ae-explorer queries', () => {
  it('counts as AE incidence does, and adds the seriousness, severity, relatedness and outcome filters to the events (never the denominators)', () => {
    const queries = aeExplorer.buildQueries(
      context({
        options: {
          serious: 'serious',
          severity: ['SEVERE'],
          relatedness: ['PROBABLE', 'POSSIBLE'],
          outcome: ['FATAL'],
        },
      }),
    );
    const population = [
      { column: ADSL('SAFFL'), op: 'eq', value: 'Y' },
      { column: ADSL('TRT01A'), op: 'nin', value: expect.any(Array) },
    ];
    expect(queries.denominators?.where).toEqual(population);
    expect(queries.pt?.where).toEqual([
      ...population,
      { column: ADAE('TRTEMFL'), op: 'eq', value: 'Y' },
      { column: ADAE('AESER'), op: 'eq', value: 'Y' },
      { column: ADAE('AESEV'), op: 'in', value: ['SEVERE'] },
      { column: ADAE('AEREL'), op: 'in', value: ['PROBABLE', 'POSSIBLE'] },
      { column: ADAE('AEOUT'), op: 'in', value: ['FATAL'] },
    ]);
    expect(queries.pt?.groupBy).toEqual([
      { column: ADSL('TRT01A'), as: 'arm' },
      { column: ADAE('AEBODSYS'), as: 'soc' },
      { column: ADAE('AEDECOD'), as: 'term' },
    ]);
    // Drill-down reaches the subjects behind the same counts.
    expect(aeExplorer.drillFilters?.(context({ options: { serious: 'non-serious' } }))).toContainEqual({
      column: ADAE('AESER'),
      op: 'eq',
      value: 'N',
    });
  });

  it('a filter whose field is not mapped is said in a note, not silently dropped', () => {
    const ctx = context({ fields: { ...FIELDS, ae_outcome: undefined }, options: { outcome: ['FATAL'] } });
    expect(JSON.stringify(aeExplorer.buildQueries(ctx))).not.toContain('FATAL');
    const table = aeExplorer.toTable({}, ctx);
    expect(table.notes).toContain('Not applied, because its field is not mapped: the outcome filter.');
  });
});

describe('comparedArms', () => {
  const arms = ['Placebo', 'Xanomeline High Dose', 'Xanomeline Low Dose'];
  it.each([
    [
      { comparisonArm: '', referenceArm: '' },
      { comparison: 'Xanomeline High Dose', reference: 'Placebo' },
    ],
    [
      { comparisonArm: 'xanomeline low dose', referenceArm: '' },
      { comparison: 'Xanomeline Low Dose', reference: 'Placebo' },
    ],
    [
      { comparisonArm: 'Xanomeline High Dose', referenceArm: 'Xanomeline Low Dose' },
      { comparison: 'Xanomeline High Dose', reference: 'Xanomeline Low Dose' },
    ],
    [{ comparisonArm: 'Placebo', referenceArm: 'Placebo' }, null],
    [{ comparisonArm: 'Drug Z', referenceArm: '' }, null],
  ])('%o → %o', (options, want) => {
    expect(comparedArms(arms, options)).toEqual(want);
  });
});

function result(columns: string[], rows: unknown[][]): QueryResult {
  return { columns: columns.map((name) => ({ name, type: 'string' as const })), rows, truncated: false };
}

describe('ae-explorer table', () => {
  const GI = 'GASTROINTESTINAL DISORDERS';
  const SKIN = 'SKIN AND SUBCUTANEOUS TISSUE DISORDERS';
  const results: Record<string, QueryResult> = {
    denominators: result(
      ['arm', 'subjects'],
      [
        ['Placebo', 50],
        ['Xanomeline', 50],
      ],
    ),
    any: result(
      ['arm', 'subjects', 'events'],
      [
        ['Placebo', 20, 31],
        ['Xanomeline', 30, 60],
      ],
    ),
    soc: result(
      ['arm', 'soc', 'subjects', 'events'],
      [
        ['Placebo', GI, 5, 6],
        ['Xanomeline', GI, 10, 12],
        ['Xanomeline', SKIN, 3, 3],
      ],
    ),
    pt: result(
      ['arm', 'soc', 'term', 'subjects', 'events'],
      [
        ['Placebo', GI, 'NAUSEA', 5, 5],
        ['Xanomeline', GI, 'NAUSEA', 10, 11],
        ['Placebo', GI, 'VOMITING', 1, 1],
        ['Xanomeline', GI, 'VOMITING', 1, 1],
        ['Xanomeline', SKIN, 'PRURITUS', 3, 3],
      ],
    ),
  };
  const estimateCells = (a: number, c: number) => {
    const want = reference(a, 50, c, 50);
    return [
      ...want.rd.map((v) => Math.round(1000 * v) / 10),
      ...want.rr.map((v) => (v === null ? null : Math.round(100 * v) / 100)),
    ];
  };

  it('per arm n and %, then RD (percentage points) and RR with 95% CIs of Xanomeline against Placebo', () => {
    const table = aeExplorer.toTable(results, context());
    expect(table.columns.map((c) => [c.name, c.label])).toEqual([
      ['label', 'Body system / preferred term'],
      ['ae_body_system', 'System organ class'],
      ['ae_term', 'Preferred term'],
      ['arm1_n', 'Placebo (N=50): n'],
      ['arm1_pct', 'Placebo (N=50): %'],
      ['arm2_n', 'Xanomeline (N=50): n'],
      ['arm2_pct', 'Xanomeline (N=50): %'],
      ['rd_pct', 'Risk difference, % (Xanomeline − Placebo): estimate'],
      ['rd_low_pct', 'Risk difference, % (Xanomeline − Placebo): 95% CI low'],
      ['rd_high_pct', 'Risk difference, % (Xanomeline − Placebo): 95% CI high'],
      ['rr', 'Relative risk (Xanomeline / Placebo): estimate'],
      ['rr_low', 'Relative risk (Xanomeline / Placebo): 95% CI low'],
      ['rr_high', 'Relative risk (Xanomeline / Placebo): 95% CI high'],
    ]);
    // Each arm's n drills to that arm's subjects (the row's point plus the arm); nothing else does.
    expect(table.columns.filter((c) => c.drill).map((c) => [c.name, c.drill])).toEqual([
      ['arm1_n', { arm: 'Placebo' }],
      ['arm2_n', { arm: 'Xanomeline' }],
    ]);
    expect(table.rows).toEqual([
      ['Any adverse event', null, null, 20, 40, 30, 60, ...estimateCells(30, 20)],
      [GI, GI, null, 5, 10, 10, 20, ...estimateCells(10, 5)],
      ['NAUSEA', GI, 'NAUSEA', 5, 10, 10, 20, ...estimateCells(10, 5)],
      ['VOMITING', GI, 'VOMITING', 1, 2, 1, 2, ...estimateCells(1, 1)],
      [SKIN, SKIN, null, 0, 0, 3, 6, ...estimateCells(3, 0)],
      ['PRURITUS', SKIN, 'PRURITUS', 0, 0, 3, 6, ...estimateCells(3, 0)],
    ]);
    // The hand-checked numbers of NAUSEA (10/50 against 5/50, above).
    expect(table.rows[2]?.slice(7)).toEqual([10, -3.9, 23.9, 2, 0.74, 5.43]);
  });

  it.each([
    {
      name: 'by relative risk, smallest first',
      options: { sortBy: 'relative_risk' as const, sortDirection: 'asc' as const },
      order: ['Any adverse event', 'GASTROINTESTINAL DISORDERS', 'VOMITING', 'NAUSEA', SKIN, 'PRURITUS'],
    },
    {
      name: 'alphabetical',
      options: { sortBy: 'alphabetical' as const },
      order: ['Any adverse event', GI, 'NAUSEA', 'VOMITING', SKIN, 'PRURITUS'],
    },
    {
      name: "a header click (the reader's view) on Placebo's %, ascending",
      options: {},
      view: { offset: 0, sort: { key: 'arm1_pct', dir: 'asc' as const } },
      order: ['Any adverse event', SKIN, 'PRURITUS', GI, 'VOMITING', 'NAUSEA'],
    },
  ])('sorts $name, terms within their body system', ({ options, view, order }) => {
    const table = aeExplorer.toTable(results, context({ options, ...(view ? { view } : {}) }));
    expect(table.rows.map((row) => row[0])).toEqual(order);
  });

  it('compares the arms the options name, and says so when they are not two arms of the data', () => {
    const swapped = aeExplorer.toTable(
      results,
      context({ options: { comparisonArm: 'Placebo', referenceArm: 'Xanomeline' } }),
    );
    expect(swapped.columns.find((c) => c.name === 'rd_pct')?.label).toBe(
      'Risk difference, % (Placebo − Xanomeline): estimate',
    );
    expect(swapped.rows[2]?.slice(7, 10)).toEqual([-10, -23.9, 3.9]);
    const unknown = aeExplorer.toTable(results, context({ options: { comparisonArm: 'Drug Z' } }));
    expect(unknown.columns.some((c) => c.name.startsWith('rd'))).toBe(false);
    expect(unknown.notes?.[0]).toContain('must be two different arms of Placebo, Xanomeline');
  });

  it('draws, as a chart, incidence dots per arm and the risk difference with its CI for the most frequent terms', () => {
    const table = aeExplorer.toTable(results, context());
    expect(aeExplorer.toChartOption?.(table, aeExplorer.options.parse({}))).toBeUndefined();
    const chart = aeExplorer.toChartOption?.(table, aeExplorer.options.parse({ display: 'dot-plot', maxTerms: 2 })) as {
      series: Array<{ name: string; data: unknown[]; markLine?: { data: unknown[] } }>;
      yAxis: Array<{ data: string[] }>;
    };
    expect(JSON.parse(JSON.stringify(chart))).toEqual(chart);
    expect(chart.yAxis[0]?.data).toEqual(['NAUSEA', 'PRURITUS']);
    expect(chart.series.map((s) => s.name)).toEqual([
      'Placebo (N=50)',
      'Xanomeline (N=50)',
      'Risk difference, % (Xanomeline − Placebo)',
    ]);
    expect(chart.series[1]?.data).toEqual([
      [20, 'NAUSEA'],
      [6, 'PRURITUS'],
    ]);
    expect(chart.series[2]?.data).toEqual([
      [10, 'NAUSEA'],
      [6, 'PRURITUS'],
    ]);
    expect(chart.series[2]?.markLine?.data[0]).toEqual([{ coord: [-3.9, 'NAUSEA'] }, { coord: [23.9, 'NAUSEA'] }]);
  });
});

describe('ae-explorer controls on the widget', () => {
  const values = (rows: unknown[][]): QueryResult => ({
    columns: [
      { name: 'value', type: 'string' },
      { name: 'events', type: 'integer' },
    ],
    rows,
    truncated: false,
  });

  it('looks values up among the events before its own filters, one query per mapped field', () => {
    const queries = aeExplorer.buildQueries(context({ options: { severity: ['MILD'], serious: 'serious' } }));
    expect(Object.keys(queries).filter((n) => n.startsWith('values_'))).toEqual([
      'values_serious',
      'values_severity',
      'values_relatedness',
      'values_outcome',
    ]);
    // Choosing MILD never hides MODERATE from the list: the lookups carry no AE filter.
    expect(JSON.stringify(queries.values_severity?.where)).not.toContain('AESEV');
    expect(JSON.stringify(queries.values_severity?.where)).not.toContain('AESER');
    expect(queries.values_severity?.groupBy).toEqual([{ column: ADAE('AESEV'), as: 'value' }]);
  });

  it('offers distinct values case- and blank-insensitively, most frequent first, and keeps a chosen value the data lack', () => {
    const ctx = context({ options: { severity: ['mild', 'LIFE THREATENING'] } });
    const table = aeExplorer.toTable(
      {
        values_serious: values([['N', 40]]),
        values_severity: values([
          ['MILD', 30],
          ['Mild ', 2],
          ['MODERATE', 12],
          [null, 3],
          ['  ', 1],
        ]),
      },
      ctx,
    );
    const byOption = new Map((table.controls ?? []).map((c) => [c.option, c]));
    expect([...byOption.keys()]).toEqual(['serious', 'severity']);
    expect(byOption.get('serious')).toMatchObject({ multiple: false, selected: [] });
    expect(byOption.get('serious')?.values).toEqual([{ value: 'non-serious', label: 'Non-serious' }]);
    expect(byOption.get('severity')?.values.map((v) => v.value)).toEqual(['MILD', 'MODERATE', 'LIFE THREATENING']);
    expect(byOption.get('severity')?.selected).toEqual(['mild', 'LIFE THREATENING']);
    expect(table.notes?.[0]).toBe(
      'Events filtered on the widget: severity mild or LIFE THREATENING. Denominators are every subject of each arm.',
    );
  });
});
