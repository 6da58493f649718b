import type { QueryMeasure, QueryResult, QuerySpec } from '@cdp/contracts';
import { z } from 'zod';
import { field } from '../fields.ts';
import { MISSING_LABEL, toNumber } from '../format.ts';
import { baseSpec, col, maybeCol, subjectCount } from '../query-helpers.ts';
import { restrict } from '../subject-flow/restrict.ts';
import { count, type ResultRecord, records, textOrNull } from '../subject-listing/records.ts';
import type { WidgetContext, WidgetTable, WidgetType } from '../types.ts';
import { ageBands } from './age-bands.ts';
import { armExclusion, NON_TREATMENT_ARMS, orderArms, percent } from './arms.ts';

const Options = z.object({
  ageBands: z
    .array(z.number())
    .max(10)
    .default([65, 80])
    .describe('Age group edges: 65, 80 gives <65, 65–80, >80; empty: no age groups'),
  showTotal: z.boolean().default(true).describe('Add a Total column'),
  populationFlag: z
    .boolean()
    .default(true)
    .describe("Keep subjects whose population flag (e.g. SAFFL, ITTFL) is 'Y', when the flag is mapped"),
  excludeArms: z
    .array(z.string())
    .default([...NON_TREATMENT_ARMS])
    .describe('Arm values that are no treatment group (screen failures, not assigned)'),
  armOrder: z
    .array(z.string())
    .default([])
    .describe('Arms listed here come first, in this order; the rest follow by name'),
});
type Options = z.infer<typeof Options>;

/** The categorical characteristics, each a field shown as n (%) per category. */
const CATEGORIES = [
  { field: 'sex', label: 'Sex' },
  { field: 'race', label: 'Race' },
  { field: 'ethnicity', label: 'Ethnicity' },
] as const;

const SEX_LABELS: Record<string, string> = { F: 'Female', M: 'Male', U: 'Unknown' };

function conditions(ctx: WidgetContext<Options>) {
  const flag = maybeCol(ctx, 'population_flag');
  return [
    ...(flag && ctx.options.populationFlag ? [{ column: flag, op: 'eq' as const, value: 'Y' }] : []),
    ...armExclusion(col(ctx, 'arm'), ctx.options.excludeArms),
  ];
}

function ageMeasures(ctx: WidgetContext<Options>, from: string): QueryMeasure[] {
  const age = maybeCol(ctx, 'age');
  if (!age) return [];
  return [
    { op: 'count', column: age, as: 'age_n' },
    { op: 'mean', column: age, as: 'age_mean' },
    { op: 'stddev', column: age, as: 'age_sd' },
    { op: 'median', column: age, as: 'age_median' },
    { op: 'min', column: age, as: 'age_min' },
    { op: 'max', column: age, as: 'age_max' },
    ...ageBands(ctx.options.ageBands).map((band, i) => ({
      ...subjectCount(ctx, from, `age_band_${i}`),
      where: band.filters(age),
    })),
  ];
}

const fixed = (value: number | null, decimals: number) => (value === null ? '–' : value.toFixed(decimals));
const nPercent = (n: number, whole: number | null) => (n === 0 ? '0' : `${n} (${fixed(percent(n, whole), 1)}%)`);

/** One value per column (arms, then Total): the summary rows of the arms and of the total query. */
interface Column {
  summary: ResultRecord;
  n: number;
  /** How this column reads a categorical query's row: by arm label, or all rows (Total). */
  takes: (row: ResultRecord) => boolean;
}

function categoryRows(
  result: QueryResult | undefined,
  label: string,
  columns: Column[],
  decode: (v: string) => string,
) {
  const rows = records(result);
  const totals = new Map<string, number>();
  for (const row of rows) {
    const value = textOrNull(row.value) ?? MISSING_LABEL;
    totals.set(value, (totals.get(value) ?? 0) + count(row.n));
  }
  // Most frequent first, missing last.
  const rank = (value: string) => (value === MISSING_LABEL ? -1 : (totals.get(value) ?? 0));
  const values = [...totals.keys()].sort((a, b) => rank(b) - rank(a) || a.localeCompare(b));
  return values.map((value) => [
    label,
    decode(value),
    ...columns.map((column) => {
      const n = rows
        .filter((row) => (textOrNull(row.value) ?? MISSING_LABEL) === value && column.takes(row))
        .reduce((sum, row) => sum + count(row.n), 0);
      return nPercent(n, column.n);
    }),
  ]);
}

/** Demographics by arm: subjects, age, age groups, sex, race and ethnicity, as in a CSR table 14.1. */
export const demographics: WidgetType<Options> = {
  type: 'demographics',
  name: 'Demographics by arm',
  description:
    'Baseline characteristics by treatment arm: age (mean, SD, median, range, groups), sex, race and ethnicity.',
  category: 'clinical',
  fields: [
    field('subject_id', true),
    field('arm', true),
    field('age', false),
    field('sex', false),
    field('race', false),
    field('ethnicity', false),
    field('population_flag', false),
  ],
  datasets: ['ADSL', 'DM'],
  needsPopulation: false,
  optionsVersion: 1,
  options: Options,
  defaultOptions: Options.parse({}),
  defaultSize: { w: 6, h: 10 },

  buildQueries(ctx) {
    const arm = col(ctx, 'arm');
    const categories = CATEGORIES.flatMap((c) => {
      const ref = maybeCol(ctx, c.field);
      return ref ? [{ ...c, ref }] : [];
    });
    const spec = restrict(
      ctx,
      baseSpec(ctx, { uses: [arm, maybeCol(ctx, 'age'), ...categories.map((c) => c.ref)] }),
      conditions(ctx),
    );
    const summary = [subjectCount(ctx, spec.from, 'n'), ...ageMeasures(ctx, spec.from)];
    const queries: Record<string, QuerySpec> = {
      summary: { ...spec, groupBy: [{ column: arm, as: 'arm' }], measures: summary },
    };
    if (ctx.options.showTotal) queries.total = { ...spec, measures: summary };
    for (const c of categories) {
      queries[c.field] = {
        ...spec,
        groupBy: [
          { column: arm, as: 'arm' },
          { column: c.ref, as: 'value' },
        ],
        measures: [subjectCount(ctx, spec.from, 'n')],
      };
    }
    return queries;
  },

  toTable(results, ctx) {
    const summaries = records(results.summary);
    const byArm = new Map(
      summaries.flatMap((row) => (textOrNull(row.arm) === null ? [] : [[String(row.arm), row] as const])),
    );
    const arms = orderArms(byArm.keys(), ctx.options.armOrder);
    const columns: Column[] = arms.map((arm) => {
      const summary = byArm.get(arm) ?? {};
      return { summary, n: count(summary.n), takes: (row) => textOrNull(row.arm) === arm };
    });
    const total = records(results.total)[0];
    if (ctx.options.showTotal && total) columns.push({ summary: total, n: count(total.n), takes: () => true });

    const table: WidgetTable = {
      columns: [
        { name: 'characteristic', label: 'Characteristic', type: 'string' },
        { name: 'statistic', label: 'Statistic', type: 'string' },
        ...arms.map((arm, i) => ({
          name: `arm_${i + 1}`,
          label: `${arm} (N=${columns[i]?.n ?? 0})`,
          type: 'string' as const,
        })),
        ...(columns.length > arms.length
          ? [{ name: 'total', label: `Total (N=${total ? count(total.n) : 0})`, type: 'string' as const }]
          : []),
      ],
      rows: [['Subjects', 'n', ...columns.map((c) => String(c.n))]],
    };
    const stat = (name: string, decimals: number, c: Column) => fixed(toNumber(c.summary[name]), decimals);
    if (maybeCol(ctx, 'age')) {
      table.rows.push(
        ['Age (years)', 'n', ...columns.map((c) => String(count(c.summary.age_n)))],
        ['Age (years)', 'Mean (SD)', ...columns.map((c) => `${stat('age_mean', 1, c)} (${stat('age_sd', 2, c)})`)],
        ['Age (years)', 'Median', ...columns.map((c) => stat('age_median', 1, c))],
        ['Age (years)', 'Min – Max', ...columns.map((c) => `${stat('age_min', 0, c)} – ${stat('age_max', 0, c)}`)],
        ...ageBands(ctx.options.ageBands).map((band, i) => [
          'Age group (years)',
          band.label,
          ...columns.map((c) => nPercent(count(c.summary[`age_band_${i}`]), c.n)),
        ]),
      );
    }
    for (const c of CATEGORIES) {
      if (!results[c.field]) continue;
      const decode = c.field === 'sex' ? (v: string) => SEX_LABELS[v] ?? v : (v: string) => v;
      table.rows.push(...categoryRows(results[c.field], c.label, columns, decode));
    }
    const armless = summaries.filter((row) => textOrNull(row.arm) === null).reduce((sum, row) => sum + count(row.n), 0);
    if (armless > 0) {
      const where = ctx.options.showTotal ? 'counted in Total only' : 'left out';
      table.notes = [`${armless} subject${armless === 1 ? '' : 's'} without an arm: ${where}`];
    }
    return table;
  },

  drillFilters: conditions,
};
