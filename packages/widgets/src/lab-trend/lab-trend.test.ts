import type { QueryResult } from '@cdp/contracts';
import { describe, expect, it } from 'vitest';
import type { WidgetContext } from '../types.ts';
import { labTrend } from './index.ts';

type Options = typeof labTrend.defaultOptions;

const LB = (column: string) => ({ dataset: 'LB', column });
const DM = (column: string) => ({ dataset: 'DM', column });

const FIELDS = {
  subject_id: LB('USUBJID'),
  arm: DM('ACTARM'),
  lab_test: LB('LBTEST'),
  lab_test_code: LB('LBTESTCD'),
  lab_value: LB('LBSTRESN'),
  visit_order: LB('VISITNUM'),
  visit: LB('VISIT'),
  lab_lln: LB('LBSTNRLO'),
  lab_uln: LB('LBSTNRHI'),
};

function context(options: Partial<Options> = {}): WidgetContext<Options> {
  return { dataset: 'LB', population: 'DM', fields: FIELDS, filters: [], options: labTrend.options.parse(options) };
}

function result(names: string[], rows: unknown[][]): QueryResult {
  return { columns: names.map((name) => ({ name, type: 'number' as const })), rows, truncated: false };
}

interface Series {
  name: string;
  stack?: string;
  data: Array<{ value: number | null; tooltip: { formatter: string } } | number | null>;
  markLine?: { data: Array<{ yAxis: number; label: { formatter: string } }> };
}

/**
 * Hand-made: ALT values Drug at visit 1 (Screening) {10, 20, 30}: mean 20, SD 10, median 20, Q1 15,
 * Q3 25; at visit 10 (Week 2) {40}; Placebo at visit 2 (Baseline) {12, 14}: mean 13, SD √2.
 * Visit 10 sorts after visit 2 by number, though "Week 2" < "Screening" by name.
 */
const STATS = ['test', 'visit_order', 'visit', 'arm', 'n', 'mean', 'sd', 'median', 'q1', 'q3'];
const results = {
  stats: result(STATS, [
    ['ALT', 1, 'Screening', 'Drug', 3, 20, 10, 20, 15, 25],
    ['ALT', 2, 'Baseline', 'Placebo', 2, 13, Math.SQRT2, 13, 12.5, 13.5],
    ['ALT', 10, 'Week 2', 'Drug', 1, 40, null, 40, 40, 40],
    ['AST', 1, 'Screening', 'Drug', 1, 22, null, 22, 22, 22],
  ]),
  limits: result(
    ['test', 'lln', 'uln'],
    [
      ['ALT', 6, 34],
      ['AST', 9, 34],
    ],
  ),
};

describe('lab-trend', () => {
  it('asks for n, mean, SD, median and quartiles per test, visit number, visit and arm, and the median limits', () => {
    const queries = labTrend.buildQueries(context({ test: 'ALT' }));
    expect(queries.stats?.groupBy?.map((g) => g.as)).toEqual(['test', 'visit_order', 'visit', 'arm']);
    expect(queries.stats?.where).toContainEqual({ column: LB('LBTESTCD'), op: 'eq', value: 'ALT' });
    expect(queries.stats?.measures?.map((m) => [m.op, m.as, m.p])).toEqual([
      ['count', 'n', undefined],
      ['mean', 'mean', undefined],
      ['stddev', 'sd', undefined],
      ['median', 'median', undefined],
      ['percentile', 'q1', 0.25],
      ['percentile', 'q3', 0.75],
    ]);
    expect(queries.limits?.measures).toEqual([
      { op: 'median', column: LB('LBSTNRLO'), as: 'lln' },
      { op: 'median', column: LB('LBSTNRHI'), as: 'uln' },
    ]);
  });

  it('the table carries every test; the chart draws the first in visit-number order with n in each tooltip', () => {
    const table = labTrend.toTable(results, context());
    expect(table.rows).toHaveLength(4);
    expect(table.notes).toEqual(['The chart shows ALT; choose the test in the options']);
    const chart = labTrend.toChartOption?.(table, context().options) as unknown as {
      xAxis: { data: string[] };
      series: Series[];
      legend: { data: string[] };
    };
    expect(chart.xAxis.data).toEqual(['Screening', 'Baseline', 'Week 2']);
    expect(chart.legend.data).toEqual(['Drug', 'Placebo']);
    const [drug, drugLow, drugBand, placebo] = chart.series as [Series, Series, Series, Series];
    expect(drug.data.map((d) => (d && typeof d === 'object' ? d.value : d))).toEqual([20, null, 40]);
    expect(drug.data[0]).toMatchObject({ tooltip: { formatter: 'Drug · Screening<br/>Mean 20 (SD 10)<br/>n = 3' } });
    // Band: mean − SD, then 2 × SD stacked on it; no SD (n = 1) leaves no band.
    expect(drugLow.data).toEqual([10, null, null]);
    expect(drugBand.data).toEqual([20, null, null]);
    expect(drugLow.stack).toBe(drugBand.stack);
    expect(placebo.data.map((d) => (d && typeof d === 'object' ? d.value : d))).toEqual([null, 13, null]);
    expect(drug.markLine?.data.map((d) => [d.yAxis, d.label.formatter])).toEqual([
      [6, 'LLN 6'],
      [34, 'ULN 34'],
    ]);
    expect(JSON.parse(JSON.stringify(chart))).toEqual(chart);
  });

  it('median and quartiles on request, for the chosen test', () => {
    const table = labTrend.toTable(results, context({ test: 'ALT', statistic: 'median' }));
    const chart = labTrend.toChartOption?.(table, context({ test: 'ALT', statistic: 'median' }).options) as unknown as {
      series: Series[];
    };
    const [drug, drugLow, drugBand] = chart.series as [Series, Series, Series];
    expect(drug.data[0]).toMatchObject({
      value: 20,
      tooltip: { formatter: 'Drug · Screening<br/>Median 20 (Q1–Q3 15–25)<br/>n = 3' },
    });
    expect(drugLow.data).toEqual([15, null, 40]);
    expect(drugBand.data).toEqual([10, null, 0]);
  });
});
