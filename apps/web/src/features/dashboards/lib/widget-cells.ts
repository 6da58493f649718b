import { csvRow, type WidgetColumn, type WidgetDataResponse } from '@cdp/contracts';

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
 * The rows as CSV, headed by the column labels, through the product's one CSV encoding
 * (`csvRow` from `@cdp/contracts`): text a spreadsheet would run as a formula gets a leading
 * apostrophe, numbers are written as they are. Data values are not trusted.
 */
export function toCsv(columns: readonly WidgetColumn[], rows: readonly unknown[][]): string {
  const lines = [csvRow(columns.map((c) => c.label)), ...rows.map((row) => csvRow(columns.map((_, i) => row[i])))];
  return lines.join('');
}
