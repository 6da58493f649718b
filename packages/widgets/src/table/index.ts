import type { ColumnRef, QuerySelect, WidgetColumn } from '@cdp/contracts';
import { ColumnPath } from '@cdp/contracts';
import { z } from 'zod';
import { field } from '../fields.ts';
import { records, typeOf } from '../format.ts';
import { baseSpec, WidgetError } from '../query-helpers.ts';
import type { WidgetContext, WidgetType } from '../types.ts';
import { FormatRule } from './rules.ts';

const Options = z
  .object({
    columns: z
      .array(ColumnPath)
      .max(50)
      .default([])
      .describe('Columns to show: COLUMN of the dataset or POPULATION.COLUMN; empty: the mapped fields'),
    pageSize: z.number().int().min(1).max(1000).default(50).describe('Rows shown'),
    sortBy: ColumnPath.nullable()
      .default(null)
      .describe('Sort by this column (one of Columns); empty: the first column'),
    sortDir: z.enum(['asc', 'desc']).default('asc'),
    distinct: z.boolean().default(false).describe('One row per distinct combination of the columns'),
    rules: z
      .array(FormatRule)
      .max(30)
      .default([])
      .describe('Conditional formatting: [{ column, op, value, style: danger|warning|success|muted }]'),
  })
  .superRefine((options, ctx) => {
    if (options.columns.length === 0) return;
    const names = new Set(options.columns.flatMap((path) => [path, path.split('.').at(-1) ?? path]));
    if (options.sortBy !== null && !names.has(options.sortBy)) {
      ctx.addIssue({
        code: 'custom',
        path: ['sortBy'],
        message: `sort by one of the table's columns (${options.columns.join(', ')})`,
      });
    }
    options.rules.forEach((rule, i) => {
      if (!names.has(rule.column)) {
        ctx.addIssue({
          code: 'custom',
          path: ['rules', i, 'column'],
          message: `"${rule.column}" is not one of the table's columns`,
        });
      }
    });
  });
export type TableOptions = z.infer<typeof Options>;

interface Shown {
  /** As the options name it (`AESEV`, `ADSL.ARM`): the table column's name, which rules refer to. */
  name: string;
  ref: ColumnRef;
}

const sameRef = (a: ColumnRef, b: ColumnRef) =>
  a.dataset.toUpperCase() === b.dataset.toUpperCase() && a.column.toUpperCase() === b.column.toUpperCase();

/**
 * The columns the table shows, as columns of the query: the dataset's own, or the population's
 * (joined on the subject id, one row per subject, so rows are never multiplied). Other datasets
 * would multiply rows, so they are refused. Existence is checked by the query engine.
 */
function shownColumns(ctx: WidgetContext<TableOptions>): Shown[] {
  const { dataset, population } = ctx;
  const inReach = (name: string) =>
    name.toUpperCase() === dataset.toUpperCase() ||
    (population !== undefined && name.toUpperCase() === population.toUpperCase());
  if (ctx.options.columns.length === 0) {
    const mapped = Object.values(ctx.fields).filter(
      (ref): ref is ColumnRef => ref !== undefined && inReach(ref.dataset),
    );
    const unique = mapped.filter((ref, i) => mapped.findIndex((other) => sameRef(ref, other)) === i);
    if (unique.length === 0) throw new WidgetError('Choose the columns the table shows (option Columns).');
    return unique.map((ref) => ({ name: ref.dataset === dataset ? ref.column : `${ref.dataset}.${ref.column}`, ref }));
  }
  const seen = new Set<string>();
  return ctx.options.columns.flatMap((path) => {
    if (seen.has(path.toUpperCase())) return [];
    seen.add(path.toUpperCase());
    const dot = path.indexOf('.');
    if (dot < 0) return [{ name: path, ref: { dataset, column: path } }];
    const owner = path.slice(0, dot);
    if (!inReach(owner)) {
      const where = population ? `${dataset} or of its population ${population}` : dataset;
      throw new WidgetError(`Column ${path}: a table shows columns of its dataset ${where}.`);
    }
    const stored = owner.toUpperCase() === dataset.toUpperCase() ? dataset : (population ?? owner);
    return [{ name: path, ref: { dataset: stored, column: path.slice(dot + 1) } }];
  });
}

/** The field a column is mapped to, so a click on a subject id (or an arm…) filters or drills on it. */
function fieldOf(ctx: WidgetContext<TableOptions>, ref: ColumnRef): string | undefined {
  const entries = Object.entries(ctx.fields).filter(([, mapped]) => mapped && sameRef(mapped, ref));
  return (entries.find(([key]) => key === 'subject_id') ?? entries[0])?.[0];
}

/**
 * A listing: chosen columns, sorted, the first `pageSize` rows, with the number of rows in all and
 * conditional formatting rules that the renderers apply (they have the options). The reader pages
 * and sorts through the data endpoint's `offset` and `sort` (`ctx.view`); `total` counts every row.
 */
export const tableWidget: WidgetType<TableOptions> = {
  type: 'table',
  name: 'Table',
  description: 'A listing of chosen columns, sorted, with conditional formatting of cells.',
  category: 'table',
  fields: [field('subject_id', false, { description: 'Makes subject ids in the table open the subject' })],
  datasets: [],
  needsPopulation: false,
  optionsVersion: 1,
  options: Options,
  defaultOptions: Options.parse({}),
  defaultSize: { w: 12, h: 10 },

  buildQueries(ctx) {
    const shown = shownColumns(ctx);
    const base = baseSpec(ctx, { uses: shown.map((s) => s.ref) });
    const select: QuerySelect[] = shown.map((s, i) => ({ column: s.ref, as: `c${i}` }));
    const { sortBy, sortDir, pageSize, distinct } = ctx.options;
    const sortIndex =
      sortBy === null
        ? 0
        : shown.findIndex(
            (s) => s.name.toUpperCase() === sortBy.toUpperCase() || s.ref.column.toUpperCase() === sortBy.toUpperCase(),
          );
    if (sortIndex < 0) throw new WidgetError(`Sort by one of the table's columns, not ${sortBy}.`);
    // The reader's sort (a column of the answer) comes first; the configured one breaks ties.
    const readerSort = ctx.view?.sort;
    const readerIndex = readerSort ? shown.findIndex((s) => s.name === readerSort.key) : -1;
    if (readerSort && readerIndex < 0) throw new WidgetError(`This table has no column ${readerSort.key} to sort by.`);
    const configured = { key: `c${sortIndex}`, dir: sortBy === null ? ('asc' as const) : sortDir };
    return {
      rows: {
        ...base,
        select,
        distinct,
        orderBy:
          readerSort && readerIndex !== sortIndex
            ? [{ key: `c${readerIndex}`, dir: readerSort.dir }, configured]
            : [readerSort ? { key: configured.key, dir: readerSort.dir } : configured],
        limit: pageSize,
        offset: ctx.view?.offset ?? 0,
        withTotal: true,
      },
    };
  },

  toTable(results, ctx) {
    const result = results.rows;
    const shown = shownColumns(ctx);
    const columns: WidgetColumn[] = shown.map((s, i) => {
      const key = fieldOf(ctx, s.ref);
      return {
        name: s.name,
        label: s.ref.column,
        type: typeOf(result, `c${i}`) ?? 'string',
        ...(key ? { field: key } : {}),
      };
    });
    const rows = records(result).map((r) => shown.map((_, i) => r[`c${i}`] ?? null));
    const total = result?.total ?? rows.length;
    return { columns, rows, total };
  },
};
