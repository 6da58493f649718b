import { type QueryGroup, TimeBucket } from '@cdp/contracts';
import { z } from 'zod';
import { treatmentEmergentFilters } from '../ae-incidence/treatment-emergent.ts';
import { periodLabel, periodRange, periodStart } from '../enrollment-trend/periods.ts';
import { field } from '../fields.ts';
import { categoryAxis, chartOption, grid, legend, MISSING_LABEL, tooltip, valueAxis } from '../format.ts';
import { baseSpec, col, maybeCol, subjectCount } from '../query-helpers.ts';
import { restrict } from '../subject-flow/restrict.ts';
import { count, records, textOrNull } from '../subject-listing/records.ts';
import type { WidgetContext, WidgetTable, WidgetType } from '../types.ts';
import { bySeverity, severityColor } from './severity.ts';

const Options = z.object({
  bucket: TimeBucket.default('month').describe('The period each bar stands for'),
  stackBy: z
    .enum(['severity', 'serious', 'none'])
    .default('severity')
    .describe('Stack the bars by severity (AESEV) or seriousness (AESER)'),
  measure: z
    .enum(['events', 'subjects'])
    .default('events')
    .describe('Count events, or subjects with an onset in the period'),
  treatmentEmergentOnly: z
    .boolean()
    .default(true)
    .describe('Count only events flagged treatment-emergent (when the flag is mapped)'),
});
type Options = z.infer<typeof Options>;

const STACK_FIELD = { severity: 'ae_severity', serious: 'ae_serious' } as const;
const SERIOUS_LABELS: Record<string, string> = { Y: 'Serious', N: 'Not serious' };

/** The field the bars are stacked by, when the option asks for one and it is mapped. */
function stackField(ctx: WidgetContext<Options>) {
  if (ctx.options.stackBy === 'none') return undefined;
  const key = STACK_FIELD[ctx.options.stackBy];
  const ref = maybeCol(ctx, key);
  return ref ? { key, ref } : undefined;
}

/** AE onsets over time: events (or subjects) per month of the AE start date, stacked by severity. */
export const aeTimeline: WidgetType<Options> = {
  type: 'ae-timeline',
  name: 'AE onset over time',
  description: 'Adverse events by month of onset, stacked by severity or seriousness.',
  category: 'chart',
  fields: [
    field('subject_id', true),
    field('ae_start_date', true),
    field('ae_severity', false),
    field('ae_serious', false),
    field('ae_treatment_emergent', false),
  ],
  datasets: ['ADAE', 'AE'],
  needsPopulation: false,
  optionsVersion: 1,
  options: Options,
  defaultOptions: Options.parse({}),
  defaultSize: { w: 6, h: 8 },

  buildQueries(ctx) {
    const stack = stackField(ctx);
    const spec = restrict(ctx, baseSpec(ctx), treatmentEmergentFilters(ctx, ctx.options.treatmentEmergentOnly));
    const groupBy: QueryGroup[] = [{ column: col(ctx, 'ae_start_date'), as: 'period', bucket: ctx.options.bucket }];
    if (stack) groupBy.push({ column: stack.ref, as: 'stack' });
    return { onsets: { ...spec, groupBy, measures: [{ op: 'count', as: 'events' }, subjectCount(ctx, spec.from)] } };
  },

  toTable(results, ctx) {
    const stack = stackField(ctx);
    const rows = records(results.onsets);
    const dated = rows.filter((row) => periodStart(row.period) !== null);
    const undated = rows
      .filter((row) => periodStart(row.period) === null)
      .reduce((sum, row) => sum + count(row.events), 0);
    dated.sort(
      (a, b) =>
        String(a.period).localeCompare(String(b.period)) ||
        bySeverity(textOrNull(a.stack) ?? MISSING_LABEL, textOrNull(b.stack) ?? MISSING_LABEL),
    );
    const table: WidgetTable = {
      columns: [
        { name: 'period', label: 'Onset period', type: 'date' },
        ...(stack
          ? [
              {
                name: 'stack',
                label: stack.key === 'ae_serious' ? 'Serious' : 'Severity',
                type: 'string' as const,
                field: stack.key,
              },
            ]
          : []),
        { name: 'events', label: 'Events', type: 'integer' },
        { name: 'subjects', label: 'Subjects', type: 'integer' },
      ],
      rows: dated.map((row) => [
        periodStart(row.period),
        ...(stack ? [textOrNull(row.stack)] : []),
        count(row.events),
        count(row.subjects),
      ]),
    };
    if (undated > 0)
      table.notes = [
        `${undated} event${undated === 1 ? ' has' : 's have'} an incomplete start date and ${undated === 1 ? 'is' : 'are'} left out`,
      ];
    return table;
  },

  toChartOption(table, options) {
    const rows = records(table);
    const periods = rows.map((row) => String(row.period)).sort();
    const first = periods[0];
    const last = periods.at(-1);
    const axis = first && last ? periodRange(first, last, options.bucket) : [];
    const stacked = table.columns.some((column) => column.name === 'stack');
    const groups = stacked ? [...new Set(rows.map((row) => textOrNull(row.stack)))] : [null];
    const sortedGroups = groups.sort((a, b) => (a === null ? 1 : b === null ? -1 : bySeverity(a, b)));
    const stackBy = stacked ? options.stackBy : 'none';
    const seriesName = (group: string | null) => {
      if (!stacked) return options.measure === 'events' ? 'Events' : 'Subjects';
      if (group === null) return MISSING_LABEL;
      return stackBy === 'serious' ? (SERIOUS_LABELS[group] ?? group) : group;
    };
    return chartOption({
      grid: grid(stacked),
      legend: legend(stacked),
      tooltip: tooltip('axis', 'shadow'),
      xAxis: categoryAxis(axis.map((period) => periodLabel(period, options.bucket))),
      yAxis: { ...valueAxis(options.measure === 'events' ? 'Events' : 'Subjects'), minInterval: 1 },
      series: sortedGroups.map((group) => {
        const values = new Map(
          rows
            .filter((row) => !stacked || textOrNull(row.stack) === group)
            .map((row) => [String(row.period), count(row[options.measure])]),
        );
        const color = stacked ? severityColor(group, stackBy) : undefined;
        return {
          type: 'bar' as const,
          name: seriesName(group),
          stack: 'onsets',
          barMaxWidth: 48,
          data: axis.map((period) => values.get(period) ?? 0),
          ...(color ? { itemStyle: { color } } : {}),
        };
      }),
    });
  },

  drillFilters: (ctx) => treatmentEmergentFilters(ctx, ctx.options.treatmentEmergentOnly),
};
