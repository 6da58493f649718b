import type { WidgetColumn } from '@cdp/contracts';
import { describe, expect, it } from 'vitest';
import { clickPoint, describePoint } from './chart-point.ts';

const columns: WidgetColumn[] = [
  { name: 'category', label: 'Body system', type: 'string', field: 'category' },
  { name: 'series', label: 'Arm', type: 'string', field: 'series' },
  { name: 'value', label: 'Subjects', type: 'integer' },
];
const rows = [
  ['CARDIAC DISORDERS', 'Placebo', 12],
  ['CARDIAC DISORDERS', 'Drug', 20],
  [null, 'Drug', 1],
];

describe('clickPoint', () => {
  it('takes the point a widget put on the data item', () => {
    expect(clickPoint({ name: 'x', data: { value: 3, point: { arm: 'Placebo' } } }, columns, rows)).toEqual({
      arm: 'Placebo',
    });
  });
  it('gives no point for an item the widget marked as none (an "Other" slice)', () => {
    expect(clickPoint({ name: 'CARDIAC DISORDERS', data: { value: 9, point: null } }, columns, rows)).toBeNull();
  });
  it('finds the category, then the series, among the dimension values', () => {
    expect(clickPoint({ name: 'CARDIAC DISORDERS', seriesName: 'Drug', data: 20 }, columns, rows)).toEqual({
      category: 'CARDIAC DISORDERS',
      series: 'Drug',
    });
  });
  it('gives no point for a label no row has, or for a sankey link', () => {
    expect(clickPoint({ name: 'Total' }, columns, rows)).toBeNull();
    expect(clickPoint({ name: 'CARDIAC DISORDERS', dataType: 'edge' }, columns, rows)).toBeNull();
  });
  it('reads a name that labels exactly one row (the map: country name for a code)', () => {
    const mapColumns: WidgetColumn[] = [
      { name: 'country', label: 'Country', type: 'string', field: 'country' },
      { name: 'country_name', label: 'Country name', type: 'string' },
      { name: 'subjects', label: 'Subjects', type: 'integer' },
    ];
    expect(
      clickPoint({ name: 'Germany', seriesName: 'Subjects' }, mapColumns, [
        ['DEU', 'Germany', 4],
        ['USA', 'United States', 9],
      ]),
    ).toEqual({
      country: 'DEU',
    });
  });
});

describe('describePoint', () => {
  it('uses the column labels and says when a value is missing', () => {
    expect(describePoint({ category: 'CARDIAC DISORDERS', series: null }, columns)).toBe(
      'Body system: CARDIAC DISORDERS · Arm: (missing)',
    );
  });
});
