import { describe, expect, it } from 'vitest';
import { cellStyle, type FormatRule, rulesOf } from './conditional-format.ts';

describe('conditional formatting', () => {
  const rules: FormatRule[] = [
    { column: 'pct', op: 'ge', value: 10, style: 'danger' },
    { column: 'pct', op: 'ge', value: 5, style: 'warning' },
  ];
  it.each([
    [12, 'danger'],
    [5, 'warning'],
    [4.9, undefined],
    [null, undefined],
    ['n/a', undefined],
  ])('%s → %s (the first matching rule wins)', (cell, style) => {
    expect(cellStyle(cell, rules)).toBe(style);
  });
  it('matches text', () => {
    expect(cellStyle('Serious', [{ column: 'x', op: 'contains', value: 'serious', style: 'danger' }])).toBe('danger');
    expect(cellStyle('Y', [{ column: 'x', op: 'eq', value: 'Y', style: 'muted' }])).toBe('muted');
  });
  it('ignores malformed rules from stored options', () => {
    expect(
      rulesOf({
        rules: [{ column: 'a', op: 'gt', value: 1, style: 'danger' }, { column: 'b', op: 'drop table' }, 'x'],
      }),
    ).toHaveLength(1);
    expect(rulesOf({})).toEqual([]);
  });
});
