import type { QuerySpec, WidgetColumn } from '@cdp/contracts';
import { z } from 'zod';
import { field } from '../fields.ts';
import { compareLabels, cutNotes, displayLabel, OTHER_LABEL, records, toNumber, typeOf } from '../format.ts';
import { isCount, measureOf, measureOptions, measureType, SUBJECT_FIELD } from '../metric/measure.ts';
import { baseSpec, col, maybeCol } from '../query-helpers.ts';
import type { WidgetType } from '../types.ts';

/** Wider than this, a pivot is no longer read; the rest is merged into "Other". */
const MAX_COLUMNS = 50;

const Options = z.object({
  ...measureOptions,
  maxColumns: z
    .number()
    .int()
    .min(1)
    .max(MAX_COLUMNS)
    .default(MAX_COLUMNS)
    .describe('The N largest column groups (by rows) get a column; the rest are merged into "Other"'),
  rowSort: z.enum(['label', 'total-desc']).default('label').describe('Order of the rows'),
  showTotals: z.boolean().default(true).describe('A Total column and a Total row'),
});
export type PivotOptions = z.infer<typeof Options>;

const key = (row: unknown, column: unknown) => JSON.stringify([row, column]);

/**
 * A cross-table: one row per Row group, one column per Column group (the largest 50, the rest as
 * "Other"), the measure in each cell, with a Total column and a Total row. Totals are queried, not
 * added up, so distinct subject counts, means and medians are right in the margins too.
 *
 * Table shape: `row_group`, `c0`…`cN` (labelled with the column group's value), `total`; when
 * totals are shown, the last row is the Total row (its first cell is "Total"). Renderers draw that
 * row and the `total` column as totals and do not filter on them.
 */
export const pivotWidget: WidgetType<PivotOptions> = {
  type: 'pivot',
  name: 'Pivot table',
  description: 'A measure by row group and column group, with totals that are right for distinct counts and means.',
  category: 'table',
  fields: [
    field('row_group', true),
    field('column_group', true),
    field('value', false, { description: 'The column to aggregate; without it, rows are counted' }),
    SUBJECT_FIELD,
  ],
  datasets: [],
  needsPopulation: false,
  optionsVersion: 1,
  options: Options,
  defaultOptions: Options.parse({}),
  defaultSize: { w: 12, h: 10 },

  buildQueries(ctx) {
    const rowGroup = col(ctx, 'row_group');
    const columnGroup = col(ctx, 'column_group');
    const base = baseSpec(ctx, { uses: [rowGroup, columnGroup, maybeCol(ctx, 'value')] });
    const value = measureOf(ctx, base.from, 'value');
    // Columns are chosen by how many rows they hold, whatever the measure, so a mean cannot push out a big group.
    const size = { op: 'count' as const, as: 'size' };
    const topN = { key: 'column_group', by: 'size', n: ctx.options.maxColumns, other: OTHER_LABEL };
    const queries: Record<string, QuerySpec> = {
      cells: {
        ...base,
        groupBy: [
          { column: rowGroup, as: 'row_group' },
          { column: columnGroup, as: 'column_group' },
        ],
        measures: [value, size],
        topN,
      },
    };
    // Row totals also order the rows by size.
    if (ctx.options.showTotals || ctx.options.rowSort === 'total-desc') {
      queries.rows = { ...base, groupBy: [{ column: rowGroup, as: 'row_group' }], measures: [value] };
    }
    if (!ctx.options.showTotals) return queries;
    queries.columns = {
      ...base,
      groupBy: [{ column: columnGroup, as: 'column_group' }],
      measures: [value, size],
      topN,
    };
    queries.grand = { ...base, measures: [value] };
    return queries;
  },

  toTable(results, ctx) {
    const { options } = ctx;
    const cells = records(results.cells);
    const isOther = (v: unknown) => v === OTHER_LABEL;
    const columnValues = [...new Set(cells.map((c) => c.column_group))].sort(
      (a, b) => Number(isOther(a)) - Number(isOther(b)) || compareLabels(a, b),
    );
    const rowTotals = new Map(records(results.rows).map((r) => [r.row_group, toNumber(r.value)]));
    const columnTotals = new Map(records(results.columns).map((r) => [r.column_group, toNumber(r.value)]));
    const rowValues = [...new Set(cells.map((c) => c.row_group))].sort(
      options.rowSort === 'total-desc'
        ? (a, b) => (rowTotals.get(b) ?? 0) - (rowTotals.get(a) ?? 0) || compareLabels(a, b)
        : compareLabels,
    );
    const values = new Map(cells.map((c) => [key(c.row_group, c.column_group), toNumber(c.value)]));
    // No rows in a cell is a count of 0, but the mean of nothing is missing.
    const empty = isCount(options) ? 0 : null;

    const type = measureType(options, typeOf(results.cells, 'value'));
    const rowGroup = col(ctx, 'row_group');
    const columns: WidgetColumn[] = [
      {
        name: 'row_group',
        label: `${rowGroup.column} / ${col(ctx, 'column_group').column}`,
        type: typeOf(results.cells, 'row_group') ?? 'string',
        field: 'row_group',
      },
      ...columnValues.map((v, i) => ({ name: `c${i}`, label: displayLabel(v), type })),
      ...(options.showTotals ? [{ name: 'total', label: 'Total', type }] : []),
    ];
    const rows: unknown[][] = rowValues.map((r) => [
      r,
      ...columnValues.map((c) => values.get(key(r, c)) ?? empty),
      ...(options.showTotals ? [rowTotals.get(r) ?? empty] : []),
    ]);
    if (options.showTotals) {
      const grand = toNumber(records(results.grand)[0]?.value);
      rows.push(['Total', ...columnValues.map((c) => columnTotals.get(c) ?? empty), grand]);
    }
    return { columns, rows, notes: cutNotes(results.cells, 'cells') };
  },
};
