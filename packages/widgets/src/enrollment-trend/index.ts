import { z } from 'zod';
import { field } from '../fields.ts';
import { categoryAxis, chartOption, grid, legend, PALETTE, toNumber, tooltip, valueAxis } from '../format.ts';
import { baseSpec, col, subjectCount } from '../query-helpers.ts';
import { restrict } from '../subject-flow/restrict.ts';
import { count, records } from '../subject-listing/records.ts';
import type { WidgetContext, WidgetTable, WidgetType } from '../types.ts';
import { nextPeriod, periodLabel, periodRange, periodStart } from './periods.ts';

/** `YYYY-MM-DD`, or `YYYY-MM` for the first of the month. */
const PlanDate = z.string().regex(/^\d{4}-\d{2}(-\d{2})?$/, 'a date is YYYY-MM-DD or YYYY-MM');

const Options = z.object({
  bucket: z.enum(['week', 'month', 'quarter']).default('month').describe('The period each point stands for'),
  plannedTotal: z
    .number()
    .int()
    .positive()
    .optional()
    .describe(
      "Enrollment target; with the planned start and end it draws a straight plan line (else the study's plan)",
    ),
  plannedStart: PlanDate.optional().describe('First day of planned enrollment (YYYY-MM-DD or YYYY-MM)'),
  plannedEnd: PlanDate.optional().describe('Day the target should be reached (YYYY-MM-DD or YYYY-MM)'),
  showNew: z.boolean().default(true).describe('Bars of subjects newly enrolled per period, on a second axis'),
});
type Options = z.infer<typeof Options>;

interface Plan {
  total: number;
  start: number;
  end: number;
}

const day = (date: string) => (date.length === 7 ? `${date}-01` : date);
const time = (date: string) => Date.parse(`${day(date)}T00:00:00Z`);

interface PlanDates {
  total: number;
  /** `YYYY-MM-DD`. */
  start: string;
  end: string;
}

/**
 * The widget's own plan when its options set all three, else the study's (its settings), else none:
 * without a plan the widget draws actual enrollment only and says so.
 */
function planDates(ctx: WidgetContext<Options>): PlanDates | null {
  const { plannedTotal, plannedStart, plannedEnd } = ctx.options;
  if (plannedTotal && plannedStart && plannedEnd)
    return { total: plannedTotal, start: day(plannedStart), end: day(plannedEnd) };
  return ctx.study?.enrollmentPlan ?? null;
}

function planOf(dates: PlanDates | null): Plan | null {
  if (!dates) return null;
  const start = time(dates.start);
  const end = time(dates.end);
  return end > start ? { total: dates.total, start, end } : null;
}

/** Subjects the plan expects by the end of the period starting on `period`. */
function planned(plan: Plan, period: string, bucket: Options['bucket']): number {
  const share = Math.min(1, Math.max(0, (time(nextPeriod(period, bucket)) - plan.start) / (plan.end - plan.start)));
  return Math.round(plan.total * share * 10) / 10;
}

/** Cumulative enrollment by month (week, quarter) from the enrollment date, against a linear plan. */
export const enrollmentTrend: WidgetType<Options> = {
  type: 'enrollment-trend',
  name: 'Enrollment over time',
  description:
    "Cumulative enrolled subjects by month, with subjects newly enrolled and, when the study (or the widget's options) sets one, a linear plan.",
  category: 'chart',
  fields: [field('subject_id', true), field('enrollment_date', true)],
  datasets: ['DM', 'ADSL'],
  needsPopulation: false,
  optionsVersion: 1,
  options: Options,
  defaultOptions: Options.parse({}),
  defaultSize: { w: 6, h: 8 },

  buildQueries(ctx) {
    const date = col(ctx, 'enrollment_date');
    const spec = restrict(ctx, baseSpec(ctx, { uses: [date] }), [{ column: date, op: 'notnull' }]);
    return {
      enrolled: {
        ...spec,
        groupBy: [{ column: date, as: 'period', bucket: ctx.options.bucket }],
        measures: [subjectCount(ctx, spec.from)],
      },
    };
  },

  toTable(results, ctx) {
    const { bucket } = ctx.options;
    const enrolled = new Map<string, number>();
    let undated = 0;
    for (const row of records(results.enrolled)) {
      const period = periodStart(row.period);
      if (period) enrolled.set(period, (enrolled.get(period) ?? 0) + count(row.subjects));
      else undated += count(row.subjects);
    }
    const dates = planDates(ctx);
    const plan = planOf(dates);
    const actual = [...enrolled.keys()].sort();
    const lastActual = actual.at(-1);
    const bounds = [...actual, ...(plan && dates ? [dates.start, dates.end] : [])].sort();
    const first = bounds[0];
    const last = bounds.at(-1);
    let running = 0;
    const table: WidgetTable = {
      columns: [
        { name: 'period', label: 'Period', type: 'date' },
        { name: 'enrolled', label: 'Newly enrolled', type: 'integer' },
        { name: 'cumulative', label: 'Enrolled (cumulative)', type: 'integer' },
        ...(plan ? [{ name: 'planned', label: 'Planned (cumulative)', type: 'number' as const }] : []),
      ],
      rows:
        first && last
          ? periodRange(first, last, bucket).map((period) => {
              const added = enrolled.get(period) ?? 0;
              running += added;
              const past = lastActual !== undefined && period <= lastActual;
              return [
                period,
                past ? added : null,
                past ? running : null,
                ...(plan ? [planned(plan, period, bucket)] : []),
              ];
            })
          : [],
    };
    const notes: string[] = [];
    if (undated > 0)
      notes.push(
        `${undated} subject${undated === 1 ? ' has' : 's have'} an incomplete enrollment date and ${undated === 1 ? 'is' : 'are'} left out`,
      );
    if (!plan)
      notes.push(
        "Actual enrollment only: the study has no enrollment plan (set the planned enrollment and its dates in the study's details)",
      );
    if (notes.length > 0) table.notes = notes;
    return table;
  },

  toChartOption(table, options) {
    const rows = records(table);
    const labels = rows.map((row) => periodLabel(String(row.period), options.bucket));
    const hasPlan = table.columns.some((column) => column.name === 'planned');
    const newLabel = `New per ${options.bucket}`;
    return chartOption({
      grid: grid(true),
      legend: legend(true),
      tooltip: tooltip('axis', 'line'),
      xAxis: categoryAxis(labels),
      yAxis: [
        { ...valueAxis('Subjects'), minInterval: 1 },
        // A short name: the axis name sits at the chart's edge.
        ...(options.showNew ? [{ ...valueAxis('New'), minInterval: 1, splitLine: { show: false } }] : []),
      ],
      series: [
        {
          name: 'Enrolled',
          type: 'line',
          data: rows.map((row) => toNumber(row.cumulative)),
          showSymbol: false,
          itemStyle: { color: PALETTE[0] },
          areaStyle: { opacity: 0.12 },
          z: 3,
        },
        ...(hasPlan
          ? [
              {
                name: 'Planned',
                type: 'line' as const,
                data: rows.map((row) => toNumber(row.planned)),
                showSymbol: false,
                itemStyle: { color: PALETTE[8] },
                lineStyle: { type: 'dashed' as const },
              },
            ]
          : []),
        ...(options.showNew
          ? [
              {
                name: newLabel,
                type: 'bar' as const,
                yAxisIndex: 1,
                data: rows.map((row) => toNumber(row.enrolled)),
                itemStyle: { color: PALETTE[1], opacity: 0.45 },
              },
            ]
          : []),
      ],
    });
  },

  drillFilters: (ctx) => [{ column: col(ctx, 'enrollment_date'), op: 'notnull' }],
};
