import { z } from 'zod';
import { field } from '../fields.ts';
import { baseSpec, maybeCol, subjectCount } from '../query-helpers.ts';
import type { WidgetType } from '../types.ts';
import { firstValue, MetricTrend, metricTable, trendPoints, trendSpec } from './metric.ts';

const Options = z.object({
  trend: MetricTrend.default('cumulative'),
  target: z
    .number()
    .int()
    .positive()
    .optional()
    .describe('Planned number of subjects to screen, shown beside the count'),
});
type Options = z.infer<typeof Options>;

/** Subjects in the subject-level dataset (DM keeps screen failures, so DM is the better source). */
export const totalScreened: WidgetType<Options> = {
  type: 'total-screened',
  name: 'Total screened',
  description: 'Number of subjects screened (distinct subjects in DM or ADSL), with screenings per month.',
  category: 'metric',
  fields: [field('subject_id', true), field('screening_date', false)],
  datasets: ['DM', 'ADSL'],
  needsPopulation: false,
  optionsVersion: 1,
  options: Options,
  defaultOptions: Options.parse({}),
  defaultSize: { w: 3, h: 3 },

  buildQueries(ctx) {
    const spec = baseSpec(ctx);
    const date = maybeCol(ctx, 'screening_date');
    const subjects = subjectCount(ctx, spec.from);
    return {
      total: { ...spec, measures: [subjects] },
      ...(date && ctx.options.trend !== 'off'
        ? { trend: trendSpec(baseSpec(ctx, { uses: [date] }), date, subjects) }
        : {}),
    };
  },

  toTable(results, ctx) {
    const { target } = ctx.options;
    return metricTable({
      label: 'Subjects screened',
      value: firstValue(results.total, 'subjects'),
      format: 'integer',
      ...(target ? { comparison: { label: 'Target', value: target } } : {}),
      trend: trendPoints(results.trend, ctx.options.trend),
    });
  },
};
