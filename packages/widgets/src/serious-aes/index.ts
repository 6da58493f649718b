import type { QueryFilter } from '@cdp/contracts';
import { z } from 'zod';
import { treatmentEmergentFilters } from '../ae-incidence/treatment-emergent.ts';
import { field } from '../fields.ts';
import { baseSpec, col, maybeCol, subjectCount } from '../query-helpers.ts';
import { restrict } from '../subject-flow/restrict.ts';
import { firstValue, MetricTrend, metricTable, trendPoints, trendSpec } from '../total-screened/metric.ts';
import type { WidgetContext, WidgetType } from '../types.ts';

const Options = z.object({
  seriousValues: z
    .array(z.string())
    .min(1)
    .default(['Y'])
    .describe('Values of the serious field that mean serious (AESER is Y or N)'),
  treatmentEmergentOnly: z
    .boolean()
    .default(true)
    .describe('Count only events flagged treatment-emergent (when the flag is mapped)'),
  trend: MetricTrend.default('monthly'),
});
type Options = z.infer<typeof Options>;

/** The condition behind every number of this widget: serious (and treatment-emergent when asked). */
function seriousFilters(ctx: WidgetContext<Options>): QueryFilter[] {
  return [
    { column: col(ctx, 'ae_serious'), op: 'in', value: [...ctx.options.seriousValues] },
    ...treatmentEmergentFilters(ctx, ctx.options.treatmentEmergentOnly),
  ];
}

/** Serious adverse events (AESER = Y), with the number of subjects who had one. */
export const seriousAes: WidgetType<Options> = {
  type: 'serious-aes',
  name: 'Serious adverse events',
  description: 'Number of serious adverse events (AESER = Y), with the number of subjects with at least one.',
  category: 'metric',
  fields: [
    field('subject_id', true),
    field('ae_serious', true),
    field('ae_start_date', false),
    field('ae_treatment_emergent', false),
  ],
  datasets: ['ADAE', 'AE'],
  needsPopulation: false,
  optionsVersion: 1,
  options: Options,
  defaultOptions: Options.parse({}),
  defaultSize: { w: 3, h: 3 },

  buildQueries(ctx) {
    const spec = restrict(ctx, baseSpec(ctx), seriousFilters(ctx));
    const date = maybeCol(ctx, 'ae_start_date');
    return {
      total: { ...spec, measures: [{ op: 'count', as: 'events' }, subjectCount(ctx, spec.from)] },
      ...(date && ctx.options.trend !== 'off' ? { trend: trendSpec(spec, date, { op: 'count', as: 'events' }) } : {}),
    };
  },

  toTable(results, ctx) {
    return metricTable({
      label: 'Serious adverse events',
      value: firstValue(results.total, 'events'),
      format: 'integer',
      comparison: { label: 'Subjects with ≥1 serious AE', value: firstValue(results.total, 'subjects') },
      trend: trendPoints(results.trend, ctx.options.trend),
    });
  },

  drillFilters: seriousFilters,
};
