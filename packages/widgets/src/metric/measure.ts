import type { QueryMeasure, ResultColumnType } from '@cdp/contracts';
import { z } from 'zod';
import { field } from '../fields.ts';
import { col, maybeCol, subjectCount, WidgetError } from '../query-helpers.ts';
import type { WidgetContext } from '../types.ts';

/**
 * The measure every aggregating generic widget shows (metric, line, bar, pie, pivot): the same two
 * options, the same meaning, the same labels. Percentiles and standard deviations stay with the
 * widgets that need them (box plot); a headline of "the 90th percentile" is rarely what is meant.
 */
export const MEASURE_CHOICES = ['count', 'count_distinct', 'sum', 'mean', 'min', 'max', 'median'] as const;
export type MeasureChoice = (typeof MEASURE_CHOICES)[number];

/** Optional on every generic widget: counting subjects, joining other datasets and drilling down need it. */
export const SUBJECT_FIELD = field('subject_id', false, {
  description: 'Needed to count subjects, to use columns of other datasets and to drill down to subjects',
});

export const measureOptions = {
  measure: z
    .enum(MEASURE_CHOICES)
    .default('count')
    .describe('count: rows (or non-missing values when Value is mapped); the others aggregate Value'),
  countSubjects: z
    .boolean()
    .default(false)
    .describe('Count distinct subjects (needs Subject mapped) instead of the measure above'),
};

export interface MeasureOptions {
  measure: MeasureChoice;
  countSubjects: boolean;
}

/** The aggregate the options ask for, over rows of `from` (the query's FROM dataset). */
export function measureOf(ctx: WidgetContext<MeasureOptions>, from: string, as = 'value'): QueryMeasure {
  const { measure, countSubjects } = ctx.options;
  if (countSubjects) {
    if (!maybeCol(ctx, 'subject_id')) throw new WidgetError('Counting subjects needs Subject mapped to a column.');
    return subjectCount(ctx, from, as);
  }
  const value = maybeCol(ctx, 'value');
  if (measure === 'count') return value ? { op: 'count', column: value, as } : { op: 'count', as };
  if (!value) throw new WidgetError(`The measure "${measure}" needs Value mapped to a column.`);
  return { op: measure, column: col(ctx, 'value'), as };
}

const OP_WORDS: Record<Exclude<MeasureChoice, 'count'>, string> = {
  count_distinct: 'Distinct',
  sum: 'Sum of',
  mean: 'Mean',
  min: 'Minimum',
  max: 'Maximum',
  median: 'Median',
};

/** "Subjects", "Count", "Mean AGE": what the numbers are, for column labels, axis names and tooltips. */
export function measureLabel(ctx: WidgetContext<MeasureOptions>): string {
  const { measure, countSubjects } = ctx.options;
  if (countSubjects) return 'Subjects';
  const value = maybeCol(ctx, 'value');
  if (measure === 'count') return value ? `Count of ${value.column}` : 'Count';
  return value ? `${OP_WORDS[measure]} ${value.column}` : OP_WORDS[measure];
}

/** Counts are whole numbers, whatever the engine reports; the other measures keep the engine's type. */
export function isCount(options: MeasureOptions): boolean {
  return options.countSubjects || options.measure === 'count' || options.measure === 'count_distinct';
}

/** The type of a measure's column in a widget's table. */
export function measureType(options: MeasureOptions, reported: ResultColumnType | undefined): ResultColumnType {
  if (isCount(options)) return 'integer';
  return reported === 'integer' ? 'integer' : (reported ?? 'number');
}
