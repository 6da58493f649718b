import type { ColumnRef, QueryResult } from '@cdp/contracts';
import { describe, expect, it } from 'vitest';
import type { WidgetContext } from '../types.ts';
import { type PivotOptions, pivotWidget } from './index.ts';

const ae = (column: string): ColumnRef => ({ dataset: 'ADAE', column });
const adsl = (column: string): ColumnRef => ({ dataset: 'ADSL', column });
const fields = { row_group: ae('AESOC'), column_group: adsl('ARM'), subject_id: ae('USUBJID') };

function ctxOf(options: Partial<PivotOptions>): WidgetContext<PivotOptions> {
  return { options: pivotWidget.options.parse(options), dataset: 'ADAE', population: 'ADSL', fields, filters: [] };
}

function result(columns: [string, QueryResult['columns'][number]['type']][], rows: unknown[][]): QueryResult {
  return { columns: columns.map(([name, type]) => ({ name, type })), rows, truncated: false };
}

const results = {
  cells: result(
    [
      ['row_group', 'string'],
      ['column_group', 'string'],
      ['value', 'integer'],
      ['size', 'integer'],
    ],
    [
      ['Cardiac', 'Placebo', 2, 3],
      ['Cardiac', 'Drug', 5, 9],
      ['Infections', 'Drug', 7, 12],
      ['Infections', 'Other', 1, 1],
    ],
  ),
  rows: result(
    [
      ['row_group', 'string'],
      ['value', 'integer'],
    ],
    [
      ['Cardiac', 6],
      ['Infections', 8],
    ],
  ),
  columns: result(
    [
      ['column_group', 'string'],
      ['value', 'integer'],
      ['size', 'integer'],
    ],
    [
      ['Drug', 11, 21],
      ['Placebo', 2, 3],
      ['Other', 1, 1],
    ],
  ),
  grand: result([['value', 'integer']], [[13]]),
};

describe('pivot: queries', () => {
  it('cells, row totals, column totals and the grand total, each queried (right for distinct counts)', () => {
    const queries = pivotWidget.buildQueries(ctxOf({ countSubjects: true }));
    const join = [{ dataset: 'ADSL', kind: 'left', on: [{ left: ae('USUBJID'), right: 'USUBJID' }] }];
    const subjects = { op: 'count_distinct', column: ae('USUBJID'), as: 'value' };
    const topN = { key: 'column_group', by: 'size', n: 50, other: 'Other' };
    expect(queries).toEqual({
      cells: {
        from: 'ADAE',
        joins: join,
        where: [],
        exists: [],
        groupBy: [
          { column: ae('AESOC'), as: 'row_group' },
          { column: adsl('ARM'), as: 'column_group' },
        ],
        measures: [subjects, { op: 'count', as: 'size' }],
        topN,
      },
      rows: {
        from: 'ADAE',
        joins: join,
        where: [],
        exists: [],
        groupBy: [{ column: ae('AESOC'), as: 'row_group' }],
        measures: [subjects],
      },
      columns: {
        from: 'ADAE',
        joins: join,
        where: [],
        exists: [],
        groupBy: [{ column: adsl('ARM'), as: 'column_group' }],
        measures: [subjects, { op: 'count', as: 'size' }],
        topN,
      },
      grand: { from: 'ADAE', joins: join, where: [], exists: [], measures: [subjects] },
    });
  });

  it.each([
    { options: { showTotals: false }, queries: ['cells'] },
    { options: { showTotals: false, rowSort: 'total-desc' as const }, queries: ['cells', 'rows'] },
  ])('without totals: $queries', ({ options, queries }) => {
    expect(Object.keys(pivotWidget.buildQueries(ctxOf(options)))).toEqual(queries);
  });

  it('caps the columns', () => {
    expect(pivotWidget.buildQueries(ctxOf({ maxColumns: 10 })).cells?.topN).toEqual({
      key: 'column_group',
      by: 'size',
      n: 10,
      other: 'Other',
    });
  });
});

describe('pivot: table', () => {
  it('one column per column group ("Other" last), empty count cells are 0, totals from their own queries', () => {
    const table = pivotWidget.toTable(results, ctxOf({ countSubjects: true }));
    expect(table.columns).toEqual([
      { name: 'row_group', label: 'AESOC / ARM', type: 'string', field: 'row_group' },
      { name: 'c0', label: 'Drug', type: 'integer' },
      { name: 'c1', label: 'Placebo', type: 'integer' },
      { name: 'c2', label: 'Other', type: 'integer' },
      { name: 'total', label: 'Total', type: 'integer' },
    ]);
    expect(table.rows).toEqual([
      ['Cardiac', 5, 2, 0, 6],
      ['Infections', 7, 0, 1, 8],
      ['Total', 11, 2, 1, 13],
    ]);
  });

  it('rows by total, no totals shown; an empty mean is missing, not 0', () => {
    const ctx = {
      ...ctxOf({ measure: 'mean', rowSort: 'total-desc', showTotals: false }),
      fields: { ...fields, value: ae('AEDUR') },
    };
    const cells = {
      ...results.cells,
      columns: results.cells.columns.map((c) => (c.name === 'value' ? { ...c, type: 'number' as const } : c)),
    };
    const table = pivotWidget.toTable({ cells, rows: results.rows }, ctx);
    expect(table.columns.map((c) => c.name)).toEqual(['row_group', 'c0', 'c1', 'c2']);
    expect(table.rows).toEqual([
      ['Infections', 7, null, 1],
      ['Cardiac', 5, 2, null],
    ]);
  });
});
