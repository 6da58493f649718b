import { describe, expect, it } from 'vitest';
import { cellText, formatMetric, toCsv } from './widget-cells.ts';

describe('widget cells', () => {
  it.each([
    [999.4, 'integer', '999'],
    [0.4237, 'percent', '42.4%'],
    [12.3456, 'number', '12.35'],
    [null, 'integer', '—'],
  ] as const)('formats the metric %s as %s', (value, format, text) => {
    expect(formatMetric(value, format)).toBe(text);
  });
  it('writes missing cells as empty text', () => {
    expect(cellText(null)).toBe('');
    expect(cellText(true)).toBe('Yes');
  });
  it('quotes CSV and defuses spreadsheet formulas in text, not in numbers', () => {
    const csv = toCsv(
      [
        { name: 'a', label: 'Term, preferred', type: 'string' },
        { name: 'b', label: 'n', type: 'integer' },
      ],
      [
        ['=HYPERLINK("x")', -3],
        ['He said "no"', null],
      ],
    );
    expect(csv).toBe('"Term, preferred",n\r\n"\'=HYPERLINK(""x"")",-3\r\n"He said ""no""",\r\n');
  });
});
