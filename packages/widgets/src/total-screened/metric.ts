import type { ColumnRef, QueryMeasure, QueryResult, QuerySpec, WidgetDataResponse } from '@cdp/contracts';
import { z } from 'zod';
import { periodLabel, periodRange, periodStart } from '../enrollment-trend/periods.ts';
import { toNumber } from '../format.ts';
import { count, records } from '../subject-listing/records.ts';
import type { WidgetTable } from '../types.ts';

type Metric = NonNullable<WidgetDataResponse['metric']>;
type TrendPoint = NonNullable<Metric['trend']>[number];

/** A headline's sparkline: new per month, running total, or none. */
export const MetricTrend = z
  .enum(['monthly', 'cumulative', 'off'])
  .describe('Sparkline by month: the count per month, the running total, or none (needs the date field)');
export type MetricTrend = z.infer<typeof MetricTrend>;

/** The headline query regrouped by month of `date`, measuring `value`. */
export function trendSpec(spec: QuerySpec, date: ColumnRef, value: QueryMeasure): QuerySpec {
  return { ...spec, groupBy: [{ column: date, as: 'period', bucket: 'month' }], measures: [{ ...value, as: 'value' }] };
}

/** Monthly points from a `trendSpec` result, gaps filled with zero; rows without a date are left out. */
export function trendPoints(result: QueryResult | undefined, mode: MetricTrend): TrendPoint[] | undefined {
  if (!result || mode === 'off') return undefined;
  const byPeriod = new Map<string, number>();
  for (const row of records(result)) {
    const period = periodStart(row.period);
    if (period) byPeriod.set(period, (byPeriod.get(period) ?? 0) + count(row.value));
  }
  const periods = [...byPeriod.keys()].sort();
  const first = periods[0];
  const last = periods.at(-1);
  if (!first || !last) return [];
  let running = 0;
  return periodRange(first, last, 'month').map((period) => {
    const value = byPeriod.get(period) ?? 0;
    running += value;
    return { period: periodLabel(period, 'month'), value: mode === 'cumulative' ? running : value };
  });
}

export interface MetricInput {
  label: string;
  value: number | null;
  format: Metric['format'];
  comparison?: { label: string; value: number | null };
  trend?: TrendPoint[];
  notes?: string[];
}

/** A metric widget's response: the headline (and comparison) as a one-row table plus `metric`. */
export function metricTable(input: MetricInput): WidgetTable {
  const type = input.format === 'integer' ? 'integer' : 'number';
  const columns: WidgetTable['columns'] = [{ name: 'value', label: input.label, type }];
  const row: unknown[] = [input.value];
  if (input.comparison) {
    columns.push({ name: 'comparison', label: input.comparison.label, type: 'number' });
    row.push(input.comparison.value);
  }
  return {
    columns,
    rows: [row],
    metric: {
      value: input.value,
      format: input.format,
      ...(input.comparison ? { comparison: input.comparison } : {}),
      ...(input.trend ? { trend: input.trend } : {}),
    },
    ...(input.notes?.length ? { notes: input.notes } : {}),
  };
}

/** The first row's measure, or null when the query returned nothing. */
export function firstValue(result: QueryResult | undefined, name: string): number | null {
  const row = records(result)[0];
  return row ? toNumber(row[name]) : null;
}
