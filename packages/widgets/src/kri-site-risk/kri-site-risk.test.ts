import type { QueryResult } from '@cdp/contracts';
import { describe, expect, it } from 'vitest';
import { kriSiteChart } from '../kri-site-chart/index.ts';
import { widgetType } from '../registry.ts';
import type { WidgetContext } from '../types.ts';
import { kriSiteRisk } from './index.ts';
import { flagOf, normalApproxScores } from './score.ts';

type Options = typeof kriSiteRisk.defaultOptions;
const DM = (column: string) => ({ dataset: 'DM', column });
const DS = (column: string) => ({ dataset: 'DS', column });
const AE = (column: string) => ({ dataset: 'AE', column });
const DV = (column: string) => ({ dataset: 'DV', column });

describe('the gsm normal-approximation score, checked by hand', () => {
  /*
   * Three sites, 1/10, 2/10 and 9/20 subjects with the event: μ = 12/40 = 0.3, V = 0.21.
   * z₀: (0.1 − 0.3)/√(0.021) = −1.38013, (0.2 − 0.3)/√0.021 = −0.69007, (0.45 − 0.3)/√0.0105 = 1.46385;
   * φ = (1.904762 + 0.476190 + 2.142857)/3 = 1.507937; z = z₀/√φ = −1.12390, −0.56195, 1.19208.
   */
  it('binary: proportions against the study proportion, widened by the over-dispersion', () => {
    const result = normalApproxScores(
      [
        { numerator: 1, denominator: 10 },
        { numerator: 2, denominator: 10 },
        { numerator: 9, denominator: 20 },
      ],
      'binary',
    );
    expect(result.overall).toBeCloseTo(0.3, 10);
    expect(result.dispersion).toBeCloseTo(1.507937, 5);
    expect(result.sites.map((s) => s.metric)).toEqual([0.1, 0.2, 0.45]);
    const scores = result.sites.map((s) => s.score ?? Number.NaN);
    expect(scores[0]).toBeCloseTo(-1.1239, 4);
    expect(scores[1]).toBeCloseTo(-0.56195, 4);
    expect(scores[2]).toBeCloseTo(1.19208, 4);
  });

  /*
   * Events per subject: 2/4, 10/5, 30/6: μ = 42/15 = 2.8. z₀ = (0.5 − 2.8)/√(2.8/4) = −2.74903,
   * (2 − 2.8)/√(0.56) = −1.06904, (5 − 2.8)/√(0.466667) = 3.22047; φ = (7.557143 + 1.142857 +
   * 10.371429)/3 = 6.357143; z = −1.09031, −0.42400, 1.27730.
   */
  it('rate: events per subject against the study rate (Poisson variance)', () => {
    const result = normalApproxScores(
      [
        { numerator: 2, denominator: 4 },
        { numerator: 10, denominator: 5 },
        { numerator: 30, denominator: 6 },
      ],
      'rate',
    );
    expect(result.overall).toBeCloseTo(2.8, 10);
    expect(result.dispersion).toBeCloseTo(6.357143, 5);
    const scores = result.sites.map((s) => s.score ?? Number.NaN);
    expect(scores[0]).toBeCloseTo(-1.09031, 4);
    expect(scores[1]).toBeCloseTo(-0.424, 4);
    expect(scores[2]).toBeCloseTo(1.2773, 4);
  });

  it('a site without subjects has no score and does not count; nothing anywhere scores 0', () => {
    const empty = normalApproxScores(
      [
        { numerator: 0, denominator: 0 },
        { numerator: 1, denominator: 2 },
        { numerator: 3, denominator: 2 },
      ],
      'rate',
    );
    expect(empty.sites[0]).toEqual({ metric: null, score: null });
    expect(empty.overall).toBe(1);
    const none = normalApproxScores(
      [
        { numerator: 0, denominator: 5 },
        { numerator: 0, denominator: 7 },
      ],
      'binary',
    );
    expect(none.sites.map((s) => s.score)).toEqual([0, 0]);
    expect(normalApproxScores([], 'rate')).toEqual({ overall: null, dispersion: null, sites: [] });
  });

  it.each([
    [3.2, 'both', 'Red'],
    [-3, 'both', 'Red'],
    [2.5, 'both', 'Amber'],
    [-2, 'both', 'Amber'],
    [1.99, 'both', 'Green'],
    [-3.5, 'high', 'Green'],
    [3.5, 'high', 'Red'],
    [3.5, 'low', 'Green'],
    [-2.1, 'low', 'Amber'],
  ] as const)('score %d, flagging %s, is %s', (score, direction, flag) => {
    expect(flagOf(score, { amber: 2, red: 3 }, direction)).toBe(flag);
  });
});

const SDTM: WidgetContext<Options> = {
  dataset: 'DM',
  population: 'DM',
  fields: {
    subject_id: DM('USUBJID'),
    site: DM('SITEID'),
    arm: DM('ARM'),
    enrollment_date: DM('RFSTDTC'),
    disposition: DS('DSDECOD'),
    disposition_category: DS('DSCAT'),
    ae_term: AE('AEDECOD'),
    ae_serious: AE('AESER'),
    protocol_deviation: DV('DVTERM'),
  },
  filters: [],
  options: kriSiteRisk.options.parse({}),
};

describe('kri-site-risk queries', () => {
  it('counts subjects from DM and events from AE and DV, joined to DM for the site, enrolled subjects only', () => {
    const queries = kriSiteRisk.buildQueries(SDTM);
    expect(Object.keys(queries).sort()).toEqual(
      ['aes', 'deviations', 'discontinued', 'enrolled', 'saes', 'screen_failures', 'screened'].sort(),
    );
    const groupBy = [{ column: DM('SITEID'), as: 'site' }];
    expect(queries.screened).toEqual({
      from: 'DM',
      joins: [],
      where: [],
      exists: [],
      groupBy,
      measures: [{ op: 'count_distinct', column: DM('USUBJID'), as: 'subjects' }],
    });
    const joinDm = [{ dataset: 'DM', kind: 'left', on: [{ left: AE('USUBJID'), right: 'USUBJID' }] }];
    expect(queries.saes).toEqual({
      from: 'AE',
      joins: joinDm,
      where: [
        { column: DM('RFSTDTC'), op: 'notnull' },
        { column: AE('AESER'), op: 'in', value: ['Y'] },
      ],
      exists: [],
      groupBy,
      measures: [{ op: 'count', as: 'events' }],
    });
    expect(queries.deviations?.from).toBe('DV');
    expect(queries.discontinued?.where).toEqual([{ column: DM('RFSTDTC'), op: 'notnull' }]);
    expect(queries.discontinued?.exists?.[0]?.dataset).toBe('DS');
  });

  it('leaves out what is not wanted or not mapped (enrolled: an arm other than Screen Failure)', () => {
    const ctx = {
      ...SDTM,
      fields: { subject_id: DM('USUBJID'), site: DM('SITEID'), arm: DM('ARM') },
      options: kriSiteRisk.options.parse({ kris: ['screen_failure', 'ae'] }),
    };
    expect(Object.keys(kriSiteRisk.buildQueries(ctx)).sort()).toEqual(['enrolled', 'screen_failures', 'screened']);
  });

  it('the query rate looks up the sites of subjects with queries, 1,000 subjects per lookup', () => {
    const raised = Object.fromEntries(Array.from({ length: 2001 }, (_, i) => [`S-${i}`, 1]));
    const ctx = {
      ...SDTM,
      fields: { subject_id: DM('USUBJID'), site: DM('SITEID'), arm: DM('ARM') },
      options: kriSiteRisk.options.parse({ kris: ['query'] }),
      study: { reviewQueries: { raised, outstanding: { 'S-1': 1 } } },
    };
    const queries = kriSiteRisk.buildQueries(ctx);
    expect(Object.keys(queries).sort()).toEqual([
      'enrolled',
      'query_subjects_0',
      'query_subjects_1',
      'query_subjects_2',
      'screened',
    ]);
    const inFilter = (name: string) => queries[name]?.where?.find((f) => f.op === 'in')?.value as string[];
    expect(inFilter('query_subjects_0')).toHaveLength(1000);
    expect(inFilter('query_subjects_2')).toHaveLength(1);
    // Outstanding only: one subject, one lookup. No counts given: no lookup (and the KRI is named missing).
    const outstanding = { ...ctx, options: kriSiteRisk.options.parse({ kris: ['query'], queryStatus: 'outstanding' }) };
    expect(Object.keys(kriSiteRisk.buildQueries(outstanding)).filter((k) => k.startsWith('query'))).toEqual([
      'query_subjects_0',
    ]);
    expect(Object.keys(kriSiteRisk.buildQueries({ ...ctx, study: {} })).some((k) => k.startsWith('query'))).toBe(false);
  });

  it('adds each subject’s queries to its site, and flags the query rate like the other rates', () => {
    const lookup = (rows: unknown[][]): QueryResult => ({
      columns: [
        { name: 'site', type: 'string' },
        { name: 'subject', type: 'string' },
        { name: 'rows', type: 'integer' },
      ],
      rows,
      truncated: false,
    });
    const results = {
      screened: bySite('subjects', [
        ['A', 4],
        ['B', 5],
        ['C', 6],
      ]),
      enrolled: bySite('subjects', [
        ['A', 4],
        ['B', 5],
        ['C', 6],
      ]),
      query_subjects_0: lookup([
        ['A', 'a1', 1],
        ['C', 'c1', 1],
        ['C', 'c2', 1],
      ]),
    };
    const ctx = {
      ...SDTM,
      options: kriSiteRisk.options.parse({ kris: ['query'], minSubjects: 1 }),
      // a1 has 2 queries; c1 and c2 30 between them; B none (its rate is 0, not missing).
      study: { reviewQueries: { raised: { a1: 2, c1: 10, c2: 20 }, outstanding: {} } },
    };
    const table = kriSiteRisk.toTable(results, ctx);
    const rows = new Map(table.rows.map((row) => [row[0], row]));
    // Rates 2/4, 0/5, 30/6 (the rate example above without site B's 10 events): μ = 32/15.
    const mu = 32 / 15;
    const z0 = [
      [2, 4],
      [0, 5],
      [30, 6],
    ].map(([x = 0, n = 1]) => (x / n - mu) / Math.sqrt(mu / n));
    const phi = z0.reduce((s, z) => s + z * z, 0) / 3;
    const z = (x: number, n: number) => (x / n - mu) / Math.sqrt((phi * mu) / n);
    expect(rows.get('A')?.slice(4, 6)).toEqual([0.5, Math.round(z(2, 4) * 100) / 100]);
    expect(rows.get('B')?.slice(4, 6)).toEqual([0, Math.round(z(0, 5) * 100) / 100]);
    expect(rows.get('C')?.slice(4, 6)).toEqual([5, Math.round(z(30, 6) * 100) / 100]);
    expect(table.notes).toContain('Query rate: all review queries on enrolled subjects, per enrolled subject.');
  });

  it('refuses a red threshold at or under the amber one', () => {
    expect(kriSiteRisk.options.safeParse({ amber: 3, red: 2 }).success).toBe(false);
    expect(widgetType('kri-site-risk')).toBe(kriSiteRisk);
    expect(widgetType('kri-site-chart')).toBe(kriSiteChart);
  });
});

const bySite = (value: string, rows: unknown[][]): QueryResult => ({
  columns: [
    { name: 'site', type: 'string' },
    { name: value, type: 'integer' },
  ],
  rows,
  truncated: false,
});

describe('kri-site-risk table', () => {
  // Screen failures 1/10, 2/10, 9/20 (the binary example above); AEs 2/4, 10/5, 30/6 enrolled (the rate example).
  const results = {
    screened: bySite('subjects', [
      ['A', 10],
      ['B', 10],
      ['C', 20],
    ]),
    enrolled: bySite('subjects', [
      ['A', 4],
      ['B', 5],
      ['C', 6],
    ]),
    screen_failures: bySite('subjects', [
      ['A', 1],
      ['B', 2],
      ['C', 9],
    ]),
    aes: bySite('events', [
      ['A', 2],
      ['B', 10],
      ['C', 30],
    ]),
  };
  const ctx = { ...SDTM, options: kriSiteRisk.options.parse({ amber: 1.1, red: 1.2, minSubjects: 5 }) };

  it('values, scores and flags per site; the worst site first; missing KRIs named', () => {
    const table = kriSiteRisk.toTable(results, ctx);
    expect(table.columns.map((c) => c.name)).toEqual([
      'site',
      'flag',
      'screened',
      'enrolled',
      'ae_value',
      'ae_score',
      'ae_flag',
      'screen_failure_value',
      'screen_failure_score',
      'screen_failure_flag',
    ]);
    expect(table.columns[0]?.field).toBe('site');
    expect(table.rows).toEqual([
      // C: AE z 1.28 ≥ 1.2 red; screen failure z 1.19 ≥ 1.1 amber.
      ['C', 'Red', 20, 6, 5, 1.28, 'Red', 45, 1.19, 'Amber'],
      // A: 4 enrolled < 5, so its AE rate is not flagged; screen failure −1.12 amber (low side).
      ['A', 'Amber', 10, 4, 0.5, -1.09, null, 10, -1.12, 'Amber'],
      ['B', 'Green', 10, 5, 2, -0.42, 'Green', 20, -0.56, 'Green'],
    ]);
    expect(table.notes?.[0]).toContain('AE rate 2.8 AEs per subject, Screen failure 30% of screened');
    expect(table.notes).toContain('Serious AE rate is not shown: no AE seriousness (AESER) is mapped.');
    // No query counts were given (ctx.study has none), so the query rate is named as missing.
    expect(table.notes).toContain('Query rate is not shown: review queries are not available here.');
  });

  it('the chart puts each site at its score, coloured by flag, with the thresholds drawn', () => {
    const table = kriSiteRisk.toTable(results, ctx);
    const option = kriSiteChart.toChartOption?.(table, ctx.options) as {
      yAxis: { data: string[] };
      xAxis: unknown;
      series: Array<{ name: string; data: Array<{ value: unknown[]; point: unknown }>; markLine?: unknown }>;
    };
    expect(option.yAxis.data).toEqual(['AE rate', 'Screen failure']);
    const red = option.series.find((s) => s.name === 'Red');
    expect(red?.data).toEqual([{ value: [1.28, 0, 5], name: 'C', point: { site: 'C' } }]);
    expect(option.series.map((s) => s.name)).toEqual(['Red', 'Amber', 'Green', 'Not flagged (few subjects)']);
    // Symmetric, with both red lines (±1.2) and every dot (|z| ≤ 1.28) in view.
    expect(option.xAxis).toMatchObject({ min: -2, max: 2 });
    expect(JSON.stringify(option)).not.toContain('function');
  });
});

describe('the query rate with nothing to count', () => {
  const results = {
    screened: bySite('subjects', [
      ['A', 4],
      ['B', 5],
    ]),
    enrolled: bySite('subjects', [
      ['A', 4],
      ['B', 5],
    ]),
  };
  const withQueries = (raised: Record<string, number>, masked?: string[]): WidgetContext<Options> => ({
    ...SDTM,
    options: kriSiteRisk.options.parse({ kris: ['query'], minSubjects: 1 }),
    study: { reviewQueries: { raised, outstanding: {} } },
    ...(masked ? { masked } : {}),
  });

  it.each([
    ['no query raised yet', withQueries({}), 'No queries raised yet', /no queries raised yet/],
    [
      'subject ids masked as PHI for the reader',
      withQueries({ a1: 2 }, ['subject_id']),
      'Not attributable: subject ids masked',
      /USUBJID\) are masked as PHI for you/,
    ],
  ])('%s: every site says so in words, never a rate of 0, and no lookup runs', (_, ctx, cell, note) => {
    expect(Object.keys(kriSiteRisk.buildQueries(ctx)).filter((n) => n.startsWith('query_subjects_'))).toEqual([]);
    const table = kriSiteRisk.toTable(results, ctx);
    expect(table.columns.map((c) => c.name)).toEqual(['site', 'flag', 'screened', 'enrolled', 'query_value']);
    expect(table.columns.at(-1)).toMatchObject({ label: 'Query rate', type: 'string' });
    expect(table.rows.map((row) => row.at(-1))).toEqual([cell, cell]);
    expect(table.rows.map((row) => row[1])).toEqual([null, null]);
    expect(table.notes?.some((n) => note.test(n))).toBe(true);
    expect(table.notes?.some((n) => n.startsWith('Query rate is not shown: review queries are not available'))).toBe(
      false,
    );
    // The chart keeps the row, labelled with the words, with no dot at 0.
    const chart = kriSiteChart.toChartOption?.(table, ctx.options) as {
      yAxis: { data: string[] };
      series: Array<{ data: unknown[] }>;
    };
    expect(chart.yAxis.data).toEqual([`Query rate: ${cell.toLowerCase()}`]);
    expect(chart.series.flatMap((s) => s.data)).toEqual([]);
  });

  it('one query anywhere: the rate is counted again (0 where a site has none)', () => {
    const ctx = withQueries({ a1: 1 });
    expect(Object.keys(kriSiteRisk.buildQueries(ctx))).toContain('query_subjects_0');
    const table = kriSiteRisk.toTable(
      {
        ...results,
        query_subjects_0: {
          columns: [
            { name: 'site', type: 'string' },
            { name: 'subject', type: 'string' },
            { name: 'rows', type: 'integer' },
          ],
          rows: [['A', 'a1', 1]],
          truncated: false,
        },
      },
      ctx,
    );
    expect(table.columns.find((c) => c.name === 'query_value')?.type).toBe('number');
    expect(table.rows.map((row) => row[4])).toEqual([0.25, 0]);
  });
});
