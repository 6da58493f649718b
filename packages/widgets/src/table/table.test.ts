import type { ColumnRef, QueryResult } from '@cdp/contracts';
import { describe, expect, it } from 'vitest';
import { WidgetError } from '../query-helpers.ts';
import type { WidgetContext } from '../types.ts';
import { type TableOptions, tableWidget } from './index.ts';
import { cellStyle, type FormatRule, ruleMatches } from './rules.ts';

const ae = (column: string): ColumnRef => ({ dataset: 'ADAE', column });
const adsl = (column: string): ColumnRef => ({ dataset: 'ADSL', column });

function ctxOf(options: Partial<TableOptions>, fields: Record<string, ColumnRef> = {}): WidgetContext<TableOptions> {
  return { options: tableWidget.options.parse(options), dataset: 'ADAE', population: 'ADSL', fields, filters: [] };
}

describe('table: options', () => {
  it.each([
    { name: 'a sort column that is not shown', options: { columns: ['AETERM'], sortBy: 'AESEV' }, path: ['sortBy'] },
    {
      name: 'a rule on a column that is not shown',
      options: { columns: ['AETERM'], rules: [{ column: 'AESEV', op: 'eq', value: 'SEVERE', style: 'danger' }] },
      path: ['rules', 0, 'column'],
    },
    {
      name: 'an unknown style',
      options: { rules: [{ column: 'AESEV', op: 'eq', value: 'SEVERE', style: 'red' }] },
      path: ['rules', 0, 'style'],
    },
    { name: 'a column path with two dots', options: { columns: ['A.B.C'] }, path: ['columns', 0] },
  ])('refuses $name', ({ options, path }) => {
    const parsed = tableWidget.options.safeParse(options);
    expect(parsed.success).toBe(false);
    expect(parsed.error?.issues[0]?.path).toEqual(path);
  });

  it('accepts a rule naming a population column by its label', () => {
    const options = {
      columns: ['AETERM', 'ADSL.ARM'],
      sortBy: 'ARM',
      rules: [{ column: 'ARM', op: 'eq', value: 'Placebo', style: 'muted' }],
    };
    expect(tableWidget.options.safeParse(options).success).toBe(true);
  });
});

describe('table: queries', () => {
  it.each([
    {
      name: 'chosen columns, population columns joined, sorted, first page with the total',
      ctx: ctxOf(
        { columns: ['USUBJID', 'AETERM', 'ADSL.ARM'], sortBy: 'AETERM', sortDir: 'desc', pageSize: 25 },
        { subject_id: ae('USUBJID') },
      ),
      expected: {
        from: 'ADAE',
        joins: [{ dataset: 'ADSL', kind: 'left', on: [{ left: ae('USUBJID'), right: 'USUBJID' }] }],
        where: [],
        exists: [],
        select: [
          { column: ae('USUBJID'), as: 'c0' },
          { column: ae('AETERM'), as: 'c1' },
          { column: adsl('ARM'), as: 'c2' },
        ],
        distinct: false,
        orderBy: [{ key: 'c1', dir: 'desc' }],
        limit: 25,
        offset: 0,
        withTotal: true,
      },
    },
    {
      name: 'no columns chosen: the mapped fields of the dataset and population, first column ascending',
      ctx: ctxOf(
        { distinct: true },
        { subject_id: ae('USUBJID'), arm: adsl('ARM'), lab: { dataset: 'ADLB', column: 'AVAL' } },
      ),
      expected: expect.objectContaining({
        select: [
          { column: ae('USUBJID'), as: 'c0' },
          { column: adsl('ARM'), as: 'c1' },
        ],
        distinct: true,
        orderBy: [{ key: 'c0', dir: 'asc' }],
        limit: 50,
      }),
    },
    {
      name: 'the dataset named explicitly, the same column twice',
      ctx: ctxOf({ columns: ['adae.AETERM', 'ADAE.AETERM'] }),
      expected: expect.objectContaining({ joins: [], select: [{ column: ae('AETERM'), as: 'c0' }] }),
    },
  ])('$name', ({ ctx, expected }) => {
    expect(tableWidget.buildQueries(ctx).rows).toEqual(expected);
  });

  it.each([
    { name: 'nothing to show', ctx: ctxOf({}), message: /Choose the columns/ },
    {
      name: 'a column of a dataset that would multiply rows',
      ctx: ctxOf({ columns: ['ADLB.AVAL'] }),
      message: /ADAE or of its population ADSL/,
    },
  ])('refuses $name', ({ ctx, message }) => {
    expect(() => tableWidget.buildQueries(ctx)).toThrow(WidgetError);
    expect(() => tableWidget.buildQueries(ctx)).toThrow(message);
  });
});

describe('table: table', () => {
  const rows: QueryResult = {
    columns: [
      { name: 'c0', type: 'string' },
      { name: 'c1', type: 'string' },
      { name: 'c2', type: 'string' },
    ],
    rows: [
      ['S1', 'NAUSEA', 'Placebo'],
      ['S2', 'HEADACHE', null],
    ],
    total: 1234,
    truncated: true,
  };

  it('names columns as the options do, marks mapped ones with their field, returns the total', () => {
    const ctx = ctxOf(
      { columns: ['USUBJID', 'AETERM', 'ADSL.ARM'] },
      { subject_id: ae('USUBJID'), category: ae('USUBJID'), arm: adsl('ARM') },
    );
    expect(tableWidget.toTable({ rows }, ctx)).toEqual({
      columns: [
        { name: 'USUBJID', label: 'USUBJID', type: 'string', field: 'subject_id' },
        { name: 'AETERM', label: 'AETERM', type: 'string' },
        { name: 'ADSL.ARM', label: 'ARM', type: 'string', field: 'arm' },
      ],
      rows: rows.rows,
      total: 1234,
    });
  });
});

describe('table: the reader pages and sorts', () => {
  const ctx = (view: WidgetContext<TableOptions>['view']) => ({
    ...ctxOf({ columns: ['AETERM', 'AESEV'], sortBy: 'AETERM', pageSize: 25 }),
    view,
  });

  it.each([
    { name: 'page 3, the configured sort', view: { offset: 50 }, orderBy: [{ key: 'c0', dir: 'asc' }], offset: 50 },
    {
      name: 'sorted by another column, the configured sort breaking ties',
      view: { offset: 0, sort: { key: 'AESEV', dir: 'desc' as const } },
      orderBy: [
        { key: 'c1', dir: 'desc' },
        { key: 'c0', dir: 'asc' },
      ],
      offset: 0,
    },
    {
      name: 'the configured column, turned around',
      view: { offset: 25, sort: { key: 'AETERM', dir: 'desc' as const } },
      orderBy: [{ key: 'c0', dir: 'desc' }],
      offset: 25,
    },
  ])('$name', ({ view, orderBy, offset }) => {
    const spec = tableWidget.buildQueries(ctx(view)).rows;
    expect(spec).toMatchObject({ orderBy, offset, limit: 25, withTotal: true });
  });

  it('refuses to sort by a column the table does not show', () => {
    expect(() => tableWidget.buildQueries(ctx({ offset: 0, sort: { key: 'AEOUT', dir: 'asc' } }))).toThrow(
      'This table has no column AEOUT to sort by.',
    );
  });
});

describe('table: formatting rules', () => {
  const rule = (op: FormatRule['op'], value: FormatRule['value']): FormatRule => ({
    column: 'X',
    op,
    value,
    style: 'danger',
  });
  it.each([
    { cell: 'SEVERE', rule: rule('eq', 'SEVERE'), matches: true },
    { cell: 3, rule: rule('eq', '3'), matches: true },
    { cell: null, rule: rule('eq', null), matches: true },
    { cell: null, rule: rule('ne', 'Y'), matches: true },
    { cell: 'Y', rule: rule('ne', 'Y'), matches: false },
    { cell: 'Severe headache', rule: rule('contains', 'SEVERE'), matches: true },
    { cell: 5, rule: rule('contains', '5'), matches: false },
    { cell: 3.5, rule: rule('gt', 3), matches: true },
    { cell: '3.5', rule: rule('ge', 3.5), matches: true },
    { cell: null, rule: rule('lt', 3), matches: false },
    { cell: '', rule: rule('le', 3), matches: false },
    { cell: 'high', rule: rule('gt', 3), matches: false },
  ])('$cell $rule.op $rule.value: $matches', ({ cell, rule, matches }) => {
    expect(ruleMatches(cell, rule)).toBe(matches);
  });

  it('the first matching rule on the column wins, by name or label', () => {
    const rules: FormatRule[] = [
      { column: 'ADSL.ARM', op: 'eq', value: 'Placebo', style: 'muted' },
      { column: 'AVAL', op: 'gt', value: 10, style: 'danger' },
      { column: 'AVAL', op: 'gt', value: 5, style: 'warning' },
    ];
    expect(cellStyle({ name: 'ADSL.ARM', label: 'ARM' }, 'Placebo', rules)).toBe('muted');
    expect(cellStyle({ name: 'AVAL', label: 'AVAL' }, 12, rules)).toBe('danger');
    expect(cellStyle({ name: 'AVAL', label: 'AVAL' }, 7, rules)).toBe('warning');
    expect(cellStyle({ name: 'AVAL', label: 'AVAL' }, 1, rules)).toBeUndefined();
  });
});
