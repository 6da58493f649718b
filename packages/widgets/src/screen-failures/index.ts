import { z } from 'zod';
import { percent } from '../demographics/arms.ts';
import { field } from '../fields.ts';
import { baseSpec, maybeCol, subjectCount, WidgetError } from '../query-helpers.ts';
import { restrict } from '../subject-flow/restrict.ts';
import { SCREEN_FAILURE_VALUES, screenFailureFilters } from '../subject-flow/subject-status.ts';
import { firstValue, MetricTrend, metricTable, trendPoints, trendSpec } from '../total-screened/metric.ts';
import type { WidgetContext, WidgetType } from '../types.ts';

const Options = z.object({
  screenFailureValues: z
    .array(z.string())
    .min(1)
    .default(SCREEN_FAILURE_VALUES)
    .describe(
      'Values of the screen-failure marker (or of the arm when no marker is mapped) that mean a screen failure',
    ),
  trend: MetricTrend.default('monthly'),
});
type Options = z.infer<typeof Options>;

function failureFilters(ctx: WidgetContext<Options>) {
  const filters = screenFailureFilters(ctx, ctx.options.screenFailureValues);
  if (!filters) throw new WidgetError('map arm (DM ARM) or screen_failure to count screen failures');
  return filters;
}

/**
 * Screen failures: subjects whose arm (or screen-failure marker) is one of the screen-failure
 * values. The marker may be a DS column (DSDECOD = SCREEN FAILURE): it then applies as a semi-join.
 */
export const screenFailures: WidgetType<Options> = {
  type: 'screen-failures',
  name: 'Screen failures',
  description: 'Subjects who failed screening, as a count and a percentage of subjects screened.',
  category: 'metric',
  fields: [
    field('subject_id', true),
    field('arm', false, { description: 'ARM or ARMCD: Screen Failure / SCRNFAIL mark screen failures' }),
    field('screen_failure', false),
    field('screening_date', false),
  ],
  datasets: ['DM', 'ADSL'],
  needsPopulation: false,
  optionsVersion: 1,
  options: Options,
  defaultOptions: Options.parse({}),
  defaultSize: { w: 3, h: 3 },

  buildQueries(ctx) {
    const spec = baseSpec(ctx);
    const failures = restrict(ctx, spec, failureFilters(ctx));
    const date = maybeCol(ctx, 'screening_date');
    return {
      screened: { ...spec, measures: [subjectCount(ctx, spec.from)] },
      failures: { ...failures, measures: [subjectCount(ctx, spec.from)] },
      ...(date && ctx.options.trend !== 'off'
        ? {
            trend: trendSpec(
              restrict(ctx, baseSpec(ctx, { uses: [date] }), failureFilters(ctx)),
              date,
              subjectCount(ctx, spec.from),
            ),
          }
        : {}),
    };
  },

  toTable(results, ctx) {
    const screened = firstValue(results.screened, 'subjects');
    const failed = firstValue(results.failures, 'subjects');
    return metricTable({
      label: 'Screen failures',
      value: failed,
      format: 'integer',
      comparison: { label: '% of screened', value: failed === null ? null : percent(failed, screened) },
      trend: trendPoints(results.trend, ctx.options.trend),
    });
  },

  drillFilters: (ctx) => failureFilters(ctx),
};
