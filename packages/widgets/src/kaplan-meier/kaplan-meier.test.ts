import type { QueryResult } from '@cdp/contracts';
import { describe, expect, it } from 'vitest';
import type { WidgetContext } from '../types.ts';
import { type KaplanMeierOptions, kaplanMeierWidget, SECTION } from './index.ts';
import { atRiskAt, chiSquareSurvival, kaplanMeier, logRank, niceStep, type TimeCount } from './survival.ts';

/** Subject-level records (time, event?) as the per-time counts the query returns. */
function counts(records: Array<[number, boolean]>): TimeCount[] {
  const byTime = new Map<number, TimeCount>();
  for (const [time, event] of records) {
    const c = byTime.get(time) ?? { time, events: 0, censored: 0 };
    if (event) c.events += 1;
    else c.censored += 1;
    byTime.set(time, c);
  }
  return [...byTime.values()];
}

/*
 * A tiny example checked by hand.
 * A: 6 subjects, events at 1, 2, 3, 5; censored at 2 and 4.
 *   S(1) = 5/6 = 0.8333; S(2) = 5/6·4/5 = 0.6667 (the subject censored at 2 is at risk at 2);
 *   S(3) = 2/3·2/3 = 0.4444; S(4) = 0.4444 (censoring only); S(5) = 0.
 *   Greenwood Σ d/(n(n−d)): 1/30, then +1/20, then +1/6 = 0.25 at t = 3.
 *   log-log CI at t = 1: spread = 1.96·√(1/30)/|ln 5/6| = 1.9627; (5/6)^e^1.9627 = 0.2731,
 *   (5/6)^e^−1.9627 = 0.9747. Median 3 (first S ≤ 0.5); its CI from 1 (the lower band is 0.2731
 *   at t = 1) to not estimable (the upper band stays above 0.5 until the curve reaches 0).
 * B: events at 4, 6, 8; censored at 1, 3, 7. S(4) = 3/4, S(6) = 1/2 exactly until the next event
 *   at 8: the median is the midpoint, 7.
 * Log-rank A against B: at the event times 1, 2, 3, 4, 5 (6 and 8 have A empty)
 *   O − E for A = 0.5 + 0.5 + 0.625 − 0.3333 + 0.75 = 2.0417; V = 1.1441; χ² = 2.0417²/1.1441 = 3.6434,
 *   1 df: p = erfc(√(3.6434/2)) = 0.0563.
 */
const A = counts([
  [1, true],
  [2, true],
  [2, false],
  [3, true],
  [4, false],
  [5, true],
]);
const B = counts([
  [1, false],
  [3, false],
  [4, true],
  [6, true],
  [7, false],
  [8, true],
]);

describe('kaplanMeier', () => {
  it('the hand-checked curve A', () => {
    const curve = kaplanMeier(A);
    expect(curve.subjects).toBe(6);
    expect(curve.events).toBe(4);
    expect(curve.steps.map((s) => [s.time, s.atRisk, s.events, s.censored])).toEqual([
      [1, 6, 1, 0],
      [2, 5, 1, 1],
      [3, 3, 1, 0],
      [4, 2, 0, 1],
      [5, 1, 1, 0],
    ]);
    const survival = curve.steps.map((s) => s.survival);
    [5 / 6, 2 / 3, 4 / 9, 4 / 9, 0].forEach((want, i) => {
      expect(survival[i]).toBeCloseTo(want, 12);
    });
    expect(curve.steps[0]?.low).toBeCloseTo(0.273123, 6);
    expect(curve.steps[0]?.high).toBeCloseTo(0.974712, 6);
    expect(curve.steps[2]?.low).toBeCloseTo(0.066187, 6);
    expect(curve.steps[2]?.high).toBeCloseTo(0.784908, 6);
    expect(curve.steps[4]).toMatchObject({ low: null, high: null });
    expect(curve.median).toEqual({ estimate: 3, low: 1, high: null });
  });

  it('B: no events yet means S = 1 with a [1, 1] band; flat at exactly 0.5 gives the midpoint median', () => {
    const curve = kaplanMeier(B);
    expect(curve.steps[0]).toMatchObject({ time: 1, survival: 1, low: 1, high: 1 });
    expect(curve.steps.find((s) => s.time === 6)?.survival).toBeCloseTo(0.5, 12);
    expect(curve.median.estimate).toBe(7);
    expect(curve.steps.find((s) => s.time === 4)?.low).toBeCloseTo(0.127947, 6);
    expect(curve.steps.find((s) => s.time === 4)?.high).toBeCloseTo(0.960549, 6);
  });

  it('no subjects: an empty curve, no median', () => {
    expect(kaplanMeier([])).toEqual({
      subjects: 0,
      events: 0,
      steps: [],
      median: { estimate: null, low: null, high: null },
    });
  });
});

describe('logRank', () => {
  it('A against B, by hand: χ² = 3.6434 on 1 df, p = 0.0563', () => {
    const test = logRank([A, B]);
    expect(test?.df).toBe(1);
    expect(test?.chiSquare).toBeCloseTo(3.643399, 5);
    expect(test?.p).toBeCloseTo(0.056292, 5);
  });

  it('is symmetric in the groups, and needs two groups with subjects', () => {
    expect(logRank([B, A])?.chiSquare).toBeCloseTo(logRank([A, B])?.chiSquare ?? 0, 10);
    expect(logRank([A])).toBeNull();
    expect(logRank([A, []])).toBeNull();
  });
});

describe('chiSquareSurvival', () => {
  it.each([
    [3.841459, 1, 0.05],
    [6.634897, 1, 0.01],
    [5.991465, 2, 0.05],
    [0.5, 3, 0.918891],
    [11.070498, 5, 0.05],
    [18.307038, 10, 0.05],
    [0, 2, 1],
    [100, 2, Math.exp(-50)],
  ])('P(χ² > %f | %i df) = %f', (x, df, p) => {
    expect(chiSquareSurvival(x, df)).toBeCloseTo(p, 6);
  });
});

describe('number at risk and round steps', () => {
  it('counts subjects with a time at or after t', () => {
    expect([0, 1, 2, 2.5, 5, 6].map((t) => atRiskAt(A, t))).toEqual([6, 6, 5, 3, 1, 0]);
  });
  it.each([
    [198, 50],
    [8, 2],
    [1, 0.2],
    [0, 1],
  ])('a span of %f steps by %f', (span, step) => {
    expect(niceStep(span)).toBeCloseTo(step, 12);
  });
});

const ADTTE = (column: string) => ({ dataset: 'ADTTE', column });
const FIELDS = {
  subject_id: ADTTE('USUBJID'),
  tte_time: ADTTE('AVAL'),
  tte_censor: ADTTE('CNSR'),
  arm: ADTTE('TRTA'),
  tte_parameter: ADTTE('PARAMCD'),
  population_flag: ADTTE('SAFFL'),
};
function context(options: Partial<KaplanMeierOptions> = {}, fields = FIELDS): WidgetContext<KaplanMeierOptions> {
  return {
    dataset: 'ADTTE',
    fields,
    filters: [],
    options: kaplanMeierWidget.options.parse(options),
  };
}
function result(columns: string[], rows: unknown[][]): QueryResult {
  return { columns: columns.map((name) => ({ name, type: 'string' as const })), rows, truncated: false };
}

describe('kaplan-meier widget', () => {
  it('asks for events and records per arm, parameter and time, in the population, of the parameter chosen', () => {
    const queries = kaplanMeierWidget.buildQueries(context({ parameter: 'TTDE', excludeArms: [] }));
    expect(queries.times).toMatchObject({
      from: 'ADTTE',
      where: [
        { column: ADTTE('SAFFL'), op: 'eq', value: 'Y' },
        { column: ADTTE('PARAMCD'), op: 'eq', value: 'TTDE' },
        { column: ADTTE('AVAL'), op: 'notnull' },
        { column: ADTTE('CNSR'), op: 'notnull' },
      ],
      groupBy: [
        { column: ADTTE('TRTA'), as: 'arm' },
        { column: ADTTE('PARAMCD'), as: 'parameter' },
        { column: ADTTE('AVAL'), as: 'time' },
      ],
      measures: [
        { op: 'count', as: 'rows' },
        { op: 'count', as: 'events', where: [{ column: ADTTE('CNSR'), op: 'eq', value: 0 }] },
      ],
    });
    const flagged = kaplanMeierWidget.buildQueries(context({ censorCoding: 'event' }));
    expect(flagged.times?.measures?.[1]).toEqual({
      op: 'count',
      as: 'events',
      where: [{ column: ADTTE('CNSR'), op: 'eq', value: 1 }],
    });
    expect(kaplanMeierWidget.drillFilters?.(context({ parameter: 'TTDE', excludeArms: [] }))).toEqual([
      { column: ADTTE('SAFFL'), op: 'eq', value: 'Y' },
      { column: ADTTE('PARAMCD'), op: 'eq', value: 'TTDE' },
    ]);
  });

  const rowsOf = (arm: string, records: TimeCount[], parameter = 'TTDE') =>
    records.map((c) => [arm, parameter, c.time, c.events + c.censored, c.events]);
  const results = {
    times: result(
      ['arm', 'parameter', 'time', 'rows', 'events'],
      [...rowsOf('A', A), ...rowsOf('B', B), ...rowsOf('A', [{ time: 2, events: 5, censored: 0 }], 'OTHER')],
    ),
    missing: result(['no_time', 'no_censor'], [[2, 0]]),
  };

  it('a table of medians, numbers at risk and the curve; the log-rank test and medians in notes', () => {
    const table = kaplanMeierWidget.toTable(results, context({ riskTableStep: 4 }));
    const section = (name: string) => table.rows.filter((row) => row[0] === name);
    expect(section(SECTION.median)).toEqual([
      [SECTION.median, 'A', null, 6, 4, 2, 3, 1, null],
      [SECTION.median, 'B', null, 6, 3, 3, 7, 4, null],
    ]);
    expect(section(SECTION.atRisk)).toEqual([
      [SECTION.atRisk, 'A', 0, 6, null, null, null, null, null],
      [SECTION.atRisk, 'A', 4, 2, null, null, null, null, null],
      [SECTION.atRisk, 'A', 8, 0, null, null, null, null, null],
      [SECTION.atRisk, 'B', 0, 6, null, null, null, null, null],
      [SECTION.atRisk, 'B', 4, 4, null, null, null, null, null],
      [SECTION.atRisk, 'B', 8, 1, null, null, null, null, null],
    ]);
    expect(section(SECTION.curve).filter((row) => row[1] === 'A')).toEqual([
      [SECTION.curve, 'A', 0, 6, 0, 0, 1, 1, 1],
      [SECTION.curve, 'A', 1, 6, 1, 0, 0.8333, 0.2731, 0.9747],
      [SECTION.curve, 'A', 2, 5, 1, 1, 0.6667, 0.1946, 0.9044],
      [SECTION.curve, 'A', 3, 3, 1, 0, 0.4444, 0.0662, 0.7849],
      [SECTION.curve, 'A', 4, 2, 0, 1, 0.4444, 0.0662, 0.7849],
      [SECTION.curve, 'A', 5, 1, 1, 0, 0, null, null],
    ]);
    expect(table.notes).toEqual([
      'Parameter TTDE shown; the data also have OTHER (choose one in the options).',
      'Median (days) with 95% CI: A 3 (1, NE); B 7 (4, NE). NE: not estimable (the curve or its bound stays above 0.5).',
      'Log-rank test: χ² = 3.64 on 1 df, p = 0.056.',
      '2 records without a time or a censoring value left out.',
      '95% CIs: Greenwood variance on the log(−log) scale; the median CI inverts them (Brookmeyer–Crowley).',
    ]);
  });

  it('one curve for all subjects when no arm is mapped', () => {
    const { arm: _arm, ...noArm } = FIELDS;
    const queries = kaplanMeierWidget.buildQueries(context({}, noArm as typeof FIELDS));
    expect(queries.times?.groupBy?.map((g) => g.as)).toEqual(['parameter', 'time']);
    const table = kaplanMeierWidget.toTable(
      {
        times: result(
          ['parameter', 'time', 'rows', 'events'],
          rowsOf('x', A).map((row) => row.slice(1)),
        ),
      },
      context({}, noArm as typeof FIELDS),
    );
    expect(table.rows[0]).toEqual([SECTION.median, 'All subjects', null, 6, 4, 2, 3, 1, null]);
    expect(table.notes?.some((note) => note.startsWith('Log-rank'))).toBe(false);
  });

  it('draws step curves, bands, censoring ticks and the number at risk in a second grid (JSON only)', () => {
    const options = kaplanMeierWidget.options.parse({ riskTableStep: 4 });
    const table = kaplanMeierWidget.toTable(results, context({ riskTableStep: 4 }));
    const chart = kaplanMeierWidget.toChartOption?.(table, options) as {
      grid: unknown[];
      series: Array<{
        type: string;
        name: string;
        step?: string;
        xAxisIndex?: number;
        data: unknown[];
        areaStyle?: unknown;
      }>;
      graphic: Array<{ style: { text: string } }>;
    };
    expect(JSON.parse(JSON.stringify(chart))).toEqual(chart);
    expect(chart.grid).toHaveLength(2);
    const ofA = chart.series.filter((s) => s.name === 'A');
    expect(ofA.map((s) => s.type)).toEqual(['line', 'line', 'line', 'scatter', 'scatter']);
    expect(ofA[0]?.step).toBe('end');
    expect(ofA[0]?.data.slice(0, 3)).toEqual([
      [0, 1],
      [1, 0.8333],
      [2, 0.6667],
    ]);
    expect(ofA[2]?.areaStyle).toBeDefined();
    // Band: lower limit, then its width above it.
    expect(ofA[1]?.data[1]).toEqual([1, 0.2731]);
    expect(ofA[2]?.data[1]?.[1 as never]).toBeCloseTo(0.9747 - 0.2731, 10);
    // Censoring ticks at 2 and 4 on the curve.
    expect(ofA[3]?.data).toEqual([
      [2, 0.6667],
      [4, 0.4444],
    ]);
    // The risk table: one label per regular time.
    expect(ofA[4]?.xAxisIndex).toBe(1);
    expect(ofA[4]?.data).toEqual([
      { value: [0, 'A'], label: { formatter: '6' } },
      { value: [4, 'A'], label: { formatter: '2' } },
      { value: [8, 'A'], label: { formatter: '0' } },
    ]);
    expect(chart.graphic.map((g) => g.style.text)).toEqual([
      'Number at risk',
      'Log-rank test: χ² = 3.64 on 1 df, p = 0.056',
    ]);
    const plain = kaplanMeierWidget.toChartOption?.(table, { ...options, confidenceBands: false }) as typeof chart;
    expect(plain.series.filter((s) => s.name === 'A')).toHaveLength(3);
  });
});
