import { z } from 'zod';
import { treatmentEmergentFilters } from '../ae-incidence/treatment-emergent.ts';
import { field } from '../fields.ts';
import { baseSpec, maybeCol, subjectCount } from '../query-helpers.ts';
import { restrict } from '../subject-flow/restrict.ts';
import { firstValue, MetricTrend, metricTable, trendPoints, trendSpec } from '../total-screened/metric.ts';
import type { WidgetContext, WidgetType } from '../types.ts';

const Options = z.object({
  treatmentEmergentOnly: z
    .boolean()
    .default(true)
    .describe('Count only events flagged treatment-emergent (when the flag is mapped)'),
  trend: MetricTrend.default('monthly'),
});
type Options = z.infer<typeof Options>;

function events(ctx: WidgetContext<Options>) {
  return restrict(ctx, baseSpec(ctx), treatmentEmergentFilters(ctx, ctx.options.treatmentEmergentOnly));
}

/** Adverse events: the number of AE records, with the number of subjects who had one. */
export const totalAes: WidgetType<Options> = {
  type: 'total-aes',
  name: 'Total adverse events',
  description: 'Number of adverse events, with the number of subjects with at least one, and events per month.',
  category: 'metric',
  fields: [field('subject_id', true), field('ae_start_date', false), field('ae_treatment_emergent', false)],
  datasets: ['ADAE', 'AE'],
  needsPopulation: false,
  optionsVersion: 1,
  options: Options,
  defaultOptions: Options.parse({}),
  defaultSize: { w: 3, h: 3 },

  buildQueries(ctx) {
    const spec = events(ctx);
    const date = maybeCol(ctx, 'ae_start_date');
    return {
      total: { ...spec, measures: [{ op: 'count', as: 'events' }, subjectCount(ctx, spec.from)] },
      ...(date && ctx.options.trend !== 'off' ? { trend: trendSpec(spec, date, { op: 'count', as: 'events' }) } : {}),
    };
  },

  toTable(results, ctx) {
    return metricTable({
      label: 'Adverse events',
      value: firstValue(results.total, 'events'),
      format: 'integer',
      comparison: { label: 'Subjects with ≥1 AE', value: firstValue(results.total, 'subjects') },
      trend: trendPoints(results.trend, ctx.options.trend),
    });
  },

  drillFilters: (ctx) => treatmentEmergentFilters(ctx, ctx.options.treatmentEmergentOnly),
};
