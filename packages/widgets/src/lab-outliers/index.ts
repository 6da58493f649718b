import type { QueryFilter, QueryResult, QuerySpec, WidgetColumn } from '@cdp/contracts';
import { z } from 'zod';
import { field } from '../fields.ts';
import { formatCount, toNumber } from '../format.ts';
import { armOf, populationFilters, populationOptions } from '../labs/lab-scope.ts';
import { baseSpec, col, maybeCol, WidgetError } from '../query-helpers.ts';
import { restrict } from '../subject-flow/restrict.ts';
import { records } from '../subject-listing/records.ts';
import type { WidgetContext, WidgetTable, WidgetType } from '../types.ts';

const Options = z.object({
  rule: z
    .enum(['outside-range', 'above-uln-multiple'])
    .default('outside-range')
    .describe("Values below the record's LLN or above its ULN, or values above a multiple of its ULN"),
  times: z.number().positive().max(1000).default(3).describe('The ULN multiple for "above a multiple of ULN"'),
  tests: z
    .array(z.string())
    .default([])
    .describe('Tests to list, by code when the test code is mapped, else by name; empty lists every test'),
  pageSize: z.number().int().min(1).max(1000).default(50).describe('Records per page'),
  ...populationOptions,
});
type Options = z.infer<typeof Options>;

/** The columns a reader may sort by (result names); the subject, test and date break ties. */
const SORTABLE = ['subject_id', 'arm', 'test', 'lab_date', 'visit', 'value', 'x_uln'] as const;
type SortKey = (typeof SORTABLE)[number];

function testColumn(ctx: WidgetContext<Options>) {
  return maybeCol(ctx, 'lab_test_code') ?? col(ctx, 'lab_test');
}

function sortOf(ctx: WidgetContext<Options>): { key: SortKey; dir: 'asc' | 'desc' } {
  const wanted = ctx.view?.sort;
  const key = SORTABLE.find((k) => k === wanted?.key);
  // ×ULN is computed here, not by the engine: the queries sort by the value it comes from.
  return key ? { key, dir: wanted?.dir ?? 'asc' } : { key: 'subject_id', dir: 'asc' };
}

/** The rule as one or two sets of conditions (the engine ANDs filters; "below LLN or above ULN" is two queries). */
function ruleBranches(ctx: WidgetContext<Options>): Array<{ side: 'LOW' | 'HIGH'; where: QueryFilter[] }> {
  const value = col(ctx, 'lab_value');
  const lln = maybeCol(ctx, 'lab_lln');
  const uln = maybeCol(ctx, 'lab_uln');
  if (ctx.options.rule === 'above-uln-multiple') {
    if (!uln) throw new WidgetError('values above a multiple of ULN need the upper limit of normal mapped');
    return [{ side: 'HIGH', where: [{ column: value, op: 'gt', against: { column: uln, times: ctx.options.times } }] }];
  }
  if (!lln && !uln) throw new WidgetError('values outside the reference range need the lower or upper limit mapped');
  return [
    ...(lln ? [{ side: 'LOW' as const, where: [{ column: value, op: 'lt' as const, against: { column: lln } }] }] : []),
    ...(uln
      ? [{ side: 'HIGH' as const, where: [{ column: value, op: 'gt' as const, against: { column: uln } }] }]
      : []),
  ];
}

const NAMES = ['subject_id', 'arm', 'test', 'visit', 'lab_date', 'value', 'lln', 'uln', 'unit'] as const;

/** Orders two records as the queries did (nulls last; text by code point, as DuckDB compares). */
function compare(a: Record<string, unknown>, b: Record<string, unknown>, key: string, dir: 'asc' | 'desc'): number {
  const x = key === 'x_uln' ? a.value : a[key];
  const y = key === 'x_uln' ? b.value : b[key];
  if (x === y) return 0;
  if (x === null || x === undefined) return 1;
  if (y === null || y === undefined) return -1;
  const order = typeof x === 'number' && typeof y === 'number' ? x - y : String(x) < String(y) ? -1 : 1;
  return dir === 'asc' ? order : -order;
}

/**
 * Lab values outside the reference range (below the record's own LLN or above its own ULN), or
 * above a multiple of the ULN: one row per record with the subject (a link to the profile), test,
 * visit, date, value, limits and the value as a multiple of ULN. Paged and sorted on the server.
 */
export const labOutliers: WidgetType<Options> = {
  type: 'lab-outliers',
  name: 'Lab outliers',
  description: 'Lab records outside their reference range, or above a multiple of ULN, with subject links.',
  category: 'table',
  fields: [
    field('subject_id', true),
    field('arm', false, { description: "The subject's arm in the population (ADSL TRT01A, DM ACTARM)" }),
    field('lab_test', true),
    field('lab_test_code', false),
    field('lab_value', true),
    field('lab_lln', false),
    field('lab_uln', false),
    field('lab_unit', false),
    field('lab_date', false),
    field('visit', false),
    field('population_flag', false),
  ],
  datasets: ['ADLB', 'LB', 'ADLBHY'],
  needsPopulation: false,
  optionsVersion: 1,
  options: Options,
  defaultOptions: Options.parse({}),
  defaultSize: { w: 12, h: 10 },

  buildQueries(ctx) {
    const { options } = ctx;
    const arm = maybeCol(ctx, 'arm') ? armOf(ctx) : undefined;
    const refs: Record<(typeof NAMES)[number], ReturnType<typeof maybeCol>> = {
      subject_id: col(ctx, 'subject_id'),
      arm,
      test: testColumn(ctx),
      visit: maybeCol(ctx, 'visit'),
      lab_date: maybeCol(ctx, 'lab_date'),
      value: col(ctx, 'lab_value'),
      lln: maybeCol(ctx, 'lab_lln'),
      uln: maybeCol(ctx, 'lab_uln'),
      unit: maybeCol(ctx, 'lab_unit'),
    };
    const select = NAMES.flatMap((as) => {
      const column = refs[as];
      return column ? [{ column, as }] : [];
    });
    const conditions: QueryFilter[] = [
      ...(arm && ctx.population ? populationFilters(ctx) : []),
      ...(options.tests.length > 0 ? [{ column: testColumn(ctx), op: 'in' as const, value: options.tests }] : []),
    ];
    const sort = sortOf(ctx);
    const sortKey = sort.key === 'x_uln' ? 'value' : sort.key;
    const present = new Set(select.map((s) => s.as as string));
    const orderBy = [sortKey, 'subject_id', 'test', 'lab_date', 'value']
      .filter((key, i, all) => present.has(key) && all.indexOf(key) === i)
      .map((key, i) => ({ key, dir: i === 0 ? sort.dir : ('asc' as const) }));
    // Each branch reads up to the end of the page; the pages of both merge in `toTable`.
    const end = (ctx.view?.offset ?? 0) + options.pageSize;
    const base = restrict(ctx, baseSpec(ctx, { uses: [arm] }), conditions);
    const queries: Record<string, QuerySpec> = {};
    for (const branch of ruleBranches(ctx)) {
      queries[branch.side === 'LOW' ? 'low' : 'high'] = {
        ...base,
        where: [...(base.where ?? []), ...branch.where],
        select,
        orderBy,
        limit: Math.min(end, 10_000),
        withTotal: true,
      };
    }
    return queries;
  },

  toTable(results, ctx) {
    const { options } = ctx;
    const sort = sortOf(ctx);
    const offset = ctx.view?.offset ?? 0;
    const branches: Array<[QueryResult | undefined, 'LOW' | 'HIGH']> = [
      [results.low, 'LOW'],
      [results.high, 'HIGH'],
    ];
    const merged = branches
      .flatMap(([result, flag]): Record<string, unknown>[] => records(result).map((r) => ({ ...r, flag })))
      .sort(
        (a, b) =>
          compare(a, b, sort.key, sort.dir) ||
          compare(a, b, 'subject_id', 'asc') ||
          compare(a, b, 'test', 'asc') ||
          compare(a, b, 'lab_date', 'asc') ||
          compare(a, b, 'value', 'asc'),
      )
      .slice(offset, offset + options.pageSize);
    const total = branches.reduce((sum, [result]) => sum + (result?.total ?? 0), 0);
    const has = (name: string) => branches.some(([result]) => result?.columns.some((c) => c.name === name));
    const columns: WidgetColumn[] = [
      { name: 'subject_id', label: 'Subject', type: 'string', field: 'subject_id' },
      ...(has('arm') ? [{ name: 'arm', label: 'Arm', type: 'string' as const }] : []),
      { name: 'test', label: 'Test', type: 'string' },
      ...(has('visit') ? [{ name: 'visit', label: 'Visit', type: 'string' as const }] : []),
      ...(has('lab_date') ? [{ name: 'lab_date', label: 'Date', type: 'string' as const }] : []),
      { name: 'value', label: 'Value', type: 'number' },
      ...(has('unit') ? [{ name: 'unit', label: 'Unit', type: 'string' as const }] : []),
      ...(has('lln') ? [{ name: 'lln', label: 'LLN', type: 'number' as const }] : []),
      ...(has('uln') ? [{ name: 'uln', label: 'ULN', type: 'number' as const }] : []),
      ...(has('uln') ? [{ name: 'x_uln', label: '× ULN', type: 'number' as const }] : []),
      { name: 'flag', label: 'Flag', type: 'string' },
    ];
    const rows = merged.map((r) => {
      const value = toNumber(r.value);
      const uln = toNumber(r.uln);
      const ratio = value !== null && uln !== null && uln > 0 ? Math.round((value / uln) * 100) / 100 : null;
      const cells: Record<string, unknown> = { ...r, x_uln: ratio };
      return columns.map((c) => cells[c.name] ?? null);
    });
    const notes: string[] = [];
    if (options.rule === 'above-uln-multiple') notes.push(`Values above ${options.times} × ULN`);
    if (end(ctx) > 10_000)
      notes.push(`Pages past ${formatCount(10_000)} records cannot be shown: filter or choose tests`);
    return { columns, rows, total, notes } satisfies WidgetTable;
  },
};

function end(ctx: WidgetContext<Options>): number {
  return (ctx.view?.offset ?? 0) + ctx.options.pageSize;
}
