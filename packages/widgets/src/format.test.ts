import type { QueryResult } from '@cdp/contracts';
import { describe, expect, it } from 'vitest';
import {
  compareLabels,
  cutNotes,
  displayLabel,
  FONT_FAMILY,
  pointOf,
  records,
  roundForDisplay,
  scaledValueAxis,
  toNumber,
  valueAxis,
} from './format.ts';

describe('format', () => {
  it.each([
    { value: 54.333333, rounded: 54.33 },
    { value: 0.0034567, rounded: 0.003457 },
    { value: 12345.6, rounded: 12346 },
    { value: -2.34567, rounded: -2.346 },
    { value: 0, rounded: 0 },
    { value: 42, rounded: 42 },
  ])('rounds $value to $rounded for display', ({ value, rounded }) => {
    expect(roundForDisplay(value)).toBe(rounded);
  });

  it.each([
    { cell: 3, number: 3 },
    { cell: '9007199254740993', number: 9007199254740992 },
    { cell: '', number: null },
    { cell: 'abc', number: null },
    { cell: null, number: null },
    { cell: Number.NaN, number: null },
  ])('reads $cell as $number', ({ cell, number }) => {
    expect(toNumber(cell)).toBe(number);
  });

  it.each([
    { value: null, label: '(missing)' },
    { value: '', label: '(missing)' },
    { value: true, label: 'Yes' },
    { value: 3, label: '3' },
    { value: 'Placebo', label: 'Placebo' },
  ])('labels $value as $label', ({ value, label }) => {
    expect(displayLabel(value)).toBe(label);
  });

  it('orders labels naturally, numbers by value, missing last', () => {
    expect(['Week 10', null, 'week 2', 'Baseline'].sort(compareLabels)).toEqual([
      'Baseline',
      'week 2',
      'Week 10',
      null,
    ]);
    expect([10, 9, 100].sort(compareLabels)).toEqual([9, 10, 100]);
  });

  it('reads results by output name and notes a cut', () => {
    const result: QueryResult = {
      columns: [
        { name: 'a', type: 'string' },
        { name: 'b', type: 'integer' },
      ],
      rows: [['x', 1]],
      truncated: true,
    };
    expect(records(result)).toEqual([{ a: 'x', b: 1 }]);
    expect(cutNotes(result, 'bars')).toEqual(['Only the first 1 bars are shown: filter the data to see the rest.']);
    expect(cutNotes({ ...result, truncated: false }, 'bars')).toEqual([]);
  });

  it('puts the dimension values of a row in a point, first column per field', () => {
    const columns = [
      { name: 'category', label: 'ARM', type: 'string' as const, field: 'category' },
      { name: 'value', label: 'Count', type: 'integer' as const },
      { name: 'again', label: 'ARM', type: 'string' as const, field: 'category' },
      { name: 'series', label: 'SEX', type: 'string' as const, field: 'series' },
    ];
    expect(pointOf(columns, ['Placebo', 3, 'ignored', null])).toEqual({ category: 'Placebo', series: null });
  });

  it('writes the font family without double quotes (they would break server-side SVG)', () => {
    expect(FONT_FAMILY).not.toContain('"');
  });
});

describe('value axes', () => {
  it('hide a tick label that would print over its neighbour (a narrow chart: "120150180")', () => {
    expect(valueAxis('Subjects').axisLabel).toMatchObject({ hideOverlap: true, fontFamily: FONT_FAMILY });
    expect(scaledValueAxis().axisLabel).toMatchObject({ hideOverlap: true });
  });
});
