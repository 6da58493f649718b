import type { QueryFilter, QueryMeasure, WidgetColumn } from '@cdp/contracts';
import { z } from 'zod';
import { orderArms, percent } from '../demographics/arms.ts';
import { field } from '../fields.ts';
import { formatCount } from '../format.ts';
import { CATEGORIES, type Category, categoryFilters, worst } from '../labs/categories.ts';
import { armOf, populationFilters, populationOptions, treatmentStart } from '../labs/lab-scope.ts';
import { baseSpec, col, maybeCol, WidgetError } from '../query-helpers.ts';
import { restrict } from '../subject-flow/restrict.ts';
import { count, records, textOrNull } from '../subject-listing/records.ts';
import type { WidgetContext, WidgetTable, WidgetType } from '../types.ts';

const Options = z.object({
  tests: z
    .array(z.string())
    .default([])
    .describe('Tests to show, by code when the test code is mapped (ALT, BILI…), else by name; empty shows every test'),
  direction: z
    .enum(['both', 'high', 'low'])
    .default('both')
    .describe('Worst toward high (HIGH, else NORMAL, else LOW), toward low, or both tables'),
  ...populationOptions,
});
type Options = z.infer<typeof Options>;

const DIRECTIONS = {
  high: { toward: 'HIGH', label: 'Worst high' },
  low: { toward: 'LOW', label: 'Worst low' },
} as const;

/** The test a row is about: its code when mapped (short and unambiguous), else its name. */
function testColumn(ctx: WidgetContext<Options>) {
  return maybeCol(ctx, 'lab_test_code') ?? col(ctx, 'lab_test');
}

/**
 * Records after the first dose (strictly later day) that are not the baseline record: the
 * post-baseline values a shift table reads.
 */
function postBaseline(ctx: WidgetContext<Options>): QueryFilter[] {
  const date = maybeCol(ctx, 'lab_date');
  const start = treatmentStart(ctx);
  if (!date || !start) {
    throw new WidgetError(
      'a shift table needs the lab date and the first treatment date mapped (post-baseline values)',
    );
  }
  return [
    { column: date, op: 'gt', against: { column: start } },
    { column: col(ctx, 'baseline_flag'), op: 'ne', value: 'Y' },
  ];
}

/**
 * Shift table: each subject's baseline category (the baseline-flagged record) against the worst
 * post-baseline category, per test and arm. "Worst" goes one way per table, as standard shift
 * tables do: toward high (HIGH if any post-baseline value is high, else NORMAL, else LOW) and
 * toward low; a subject with both a high and a low value is HIGH in the first and LOW in the
 * second. Counts are subjects with both a baseline and a post-baseline category; percentages are of
 * the arm's such subjects for that test.
 */
export const labShift: WidgetType<Options> = {
  type: 'lab-shift',
  name: 'Lab shift table',
  description:
    'Baseline against worst post-baseline category (LOW / NORMAL / HIGH) per test and arm: subjects, and % of the arm.',
  category: 'clinical',
  fields: [
    field('subject_id', true),
    field('arm', true, { description: "The subject's arm in the population (ADSL TRT01A, DM ACTARM)" }),
    field('lab_test', true),
    field('lab_test_code', false),
    field('baseline_flag', true),
    field('lab_date', true),
    field('treatment_start', true),
    field('lab_indicator', false, {
      description: 'LOW / NORMAL / HIGH as reported; else the value against LLN and ULN',
    }),
    field('lab_value', false),
    field('lab_lln', false),
    field('lab_uln', false),
    field('population_flag', false),
  ],
  datasets: ['ADLB', 'LB', 'ADLBHY'],
  needsPopulation: true,
  optionsVersion: 1,
  options: Options,
  defaultOptions: Options.parse({}),
  defaultSize: { w: 8, h: 12 },

  buildQueries(ctx) {
    const test = testColumn(ctx);
    const arm = armOf(ctx);
    const categories = categoryFilters(ctx);
    const baseline: QueryFilter = { column: col(ctx, 'baseline_flag'), op: 'eq', value: 'Y' };
    const post = postBaseline(ctx);
    const measure = (as: string, when: QueryFilter[], category: QueryFilter[]): QueryMeasure => ({
      op: 'count',
      as,
      where: [...when, ...category],
    });
    const spec = (only: QueryFilter[]) => ({
      ...restrict(ctx, baseSpec(ctx, { uses: [arm] }), [...populationFilters(ctx), ...only]),
      groupBy: [
        { column: test, as: 'test' },
        { column: arm, as: 'arm' },
        { column: col(ctx, 'subject_id'), as: 'subject_id' },
      ],
      measures: [
        measure('base_low', [baseline], categories.LOW),
        measure('base_high', [baseline], categories.HIGH),
        measure('base_any', [baseline], categories.ANY),
        measure('post_low', post, categories.LOW),
        measure('post_high', post, categories.HIGH),
        measure('post_any', post, categories.ANY),
      ],
      orderBy: [{ key: 'test' }, { key: 'arm' }, { key: 'subject_id' }],
    });
    // One query per chosen test: each answer holds one row per subject (up to 10,000 subjects), and
    // the engine runs them side by side. Every test at once is one query, cut at 10,000 rows.
    const { tests } = ctx.options;
    if (tests.length === 0) return { subjects: spec([]) };
    return Object.fromEntries(
      tests.map((name, i) => [`subjects_${i}`, spec([{ column: test, op: 'eq', value: name }])]),
    );
  },

  toTable(results, ctx) {
    const { options } = ctx;
    const answers =
      options.tests.length === 0 ? [results.subjects] : options.tests.map((_, i) => results[`subjects_${i}`]);
    const notes: string[] = [];
    const rows = answers.flatMap((result) => {
      const read = records(result);
      if (!result?.truncated || read.length === 0) return read;
      // The row cap cut a test part-way: drop it rather than show part of its subjects.
      const last = read.at(-1)?.test;
      notes.push(`${String(last)} has more subject rows than one answer holds (10,000): filter the data to see it`);
      return read.filter((r) => r.test !== last);
    });
    const directions = options.direction === 'both' ? (['high', 'low'] as const) : ([options.direction] as const);
    // (test, direction, arm) → baseline → post → subjects
    const cells = new Map<string, Map<Category, Map<Category, number>>>();
    const totals = new Map<string, number>();
    const tests: string[] = [];
    const arms = new Set<string>();
    let noPost = 0;
    let noBaseline = 0;
    for (const r of rows) {
      const test = textOrNull(r.test);
      const arm = textOrNull(r.arm);
      if (test === null || arm === null) continue;
      if (!tests.includes(test)) tests.push(test);
      arms.add(arm);
      const base = worst({ low: count(r.base_low), high: count(r.base_high), any: count(r.base_any) }, 'HIGH');
      const counts = { low: count(r.post_low), high: count(r.post_high), any: count(r.post_any) };
      if (base === null) {
        noBaseline++;
        continue;
      }
      if (counts.any === 0) {
        noPost++;
        continue;
      }
      for (const direction of directions) {
        const after = worst(counts, DIRECTIONS[direction].toward);
        if (after === null) continue;
        const key = JSON.stringify([test, direction, arm]);
        totals.set(key, (totals.get(key) ?? 0) + 1);
        const byBase = cells.get(key) ?? new Map<Category, Map<Category, number>>();
        cells.set(key, byBase);
        const byPost = byBase.get(base) ?? new Map<Category, number>();
        byBase.set(base, byPost);
        byPost.set(after, (byPost.get(after) ?? 0) + 1);
      }
    }

    const orderedArms = orderArms(arms, options.armOrder);
    const columns: WidgetColumn[] = [
      { name: 'test', label: 'Test', type: 'string' },
      { name: 'direction', label: 'Worst post-baseline', type: 'string' },
      { name: 'arm', label: 'Arm', type: 'string', field: 'arm' },
      { name: 'n', label: 'N', type: 'integer' },
      { name: 'baseline', label: 'Baseline', type: 'string' },
      ...CATEGORIES.flatMap((c): WidgetColumn[] => [
        { name: `${c.toLowerCase()}_n`, label: `${c}: n`, type: 'integer' },
        { name: `${c.toLowerCase()}_pct`, label: `${c}: %`, type: 'number' },
      ]),
      { name: 'total_n', label: 'Total: n', type: 'integer' },
    ];
    const table: unknown[][] = [];
    for (const test of tests) {
      for (const direction of directions) {
        for (const arm of orderedArms) {
          const key = JSON.stringify([test, direction, arm]);
          const n = totals.get(key) ?? 0;
          if (n === 0) continue;
          for (const base of CATEGORIES) {
            const byPost = cells.get(key)?.get(base);
            const line = CATEGORIES.map((c) => byPost?.get(c) ?? 0);
            table.push([
              test,
              DIRECTIONS[direction].label,
              arm,
              n,
              base,
              ...line.flatMap((m) => [m, percent(m, n)]),
              line.reduce((a, b) => a + b, 0),
            ]);
          }
        }
      }
    }
    if (noPost > 0)
      notes.push(`${formatCount(noPost)} subject-test pairs with a baseline but no post-baseline value left out`);
    if (noBaseline > 0) notes.push(`${formatCount(noBaseline)} subject-test pairs without a baseline value left out`);
    notes.push(
      'Worst high: HIGH if any post-baseline value is high, else NORMAL, else LOW; worst low the other way round. Percentages are of N: subjects with a baseline and a post-baseline value.',
    );
    const out: WidgetTable = { columns, rows: table, notes };
    return out;
  },
};
