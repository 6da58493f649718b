import type { WidgetColumn, WidgetDataResponse } from '@cdp/contracts';

type MetricFormat = NonNullable<WidgetDataResponse['metric']>['format'];

const integer = new Intl.NumberFormat(undefined, { maximumFractionDigits: 0 });
const decimal = new Intl.NumberFormat(undefined, { maximumFractionDigits: 2 });
const oneDecimal = new Intl.NumberFormat(undefined, { maximumFractionDigits: 1 });
const percent = new Intl.NumberFormat(undefined, { style: 'percent', maximumFractionDigits: 1 });

/** A metric's value as the reader sees it; `percent` values are fractions (0.42 is 42%). */
export function formatMetric(value: number | null | undefined, format: MetricFormat): string {
  if (value === null || value === undefined || Number.isNaN(value)) return '—';
  if (format === 'percent') return percent.format(value);
  if (format === 'integer') return integer.format(value);
  return Math.abs(value) >= 100 ? oneDecimal.format(value) : decimal.format(value);
}

export function isNumericColumn(column: Pick<WidgetColumn, 'type'>): boolean {
  return column.type === 'number' || column.type === 'integer';
}

/** A table cell as text: numbers grouped, missing values as an empty string. */
export function cellText(value: unknown, column?: Pick<WidgetColumn, 'type'>): string {
  if (value === null || value === undefined) return '';
  if (typeof value === 'number') {
    return column?.type === 'integer' ? integer.format(value) : decimal.format(value);
  }
  if (typeof value === 'boolean') return value ? 'Yes' : 'No';
  if (typeof value === 'string') return value;
  return JSON.stringify(value);
}

/**
 * The rows as CSV (RFC 4180 quoting), headed by the column labels. Text that a spreadsheet would
 * run as a formula (`=`, `+`, `-`, `@` first) gets a leading apostrophe: data values are not trusted.
 */
export function toCsv(columns: readonly WidgetColumn[], rows: readonly unknown[][]): string {
  const quote = (text: string) => (/[",\n\r]/.test(text) ? `"${text.replaceAll('"', '""')}"` : text);
  const raw = (value: unknown) =>
    value === null || value === undefined
      ? ''
      : typeof value === 'string'
        ? value.replace(/^[=+\-@\t\r]/, "'$&")
        : String(value);
  const lines = [
    columns.map((c) => quote(c.label)).join(','),
    ...rows.map((row) => columns.map((_, i) => quote(raw(row[i]))).join(',')),
  ];
  return `${lines.join('\r\n')}\r\n`;
}
