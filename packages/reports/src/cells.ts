import type { WidgetColumn, WidgetDataResponse } from '@cdp/contracts';

type MetricFormat = NonNullable<WidgetDataResponse['metric']>['format'];

// Fixed locale: a document reads the same whichever server made it.
const integer = new Intl.NumberFormat('en-US', { maximumFractionDigits: 0 });
const decimal = new Intl.NumberFormat('en-US', { maximumFractionDigits: 2 });
const oneDecimal = new Intl.NumberFormat('en-US', { maximumFractionDigits: 1 });
const percent = new Intl.NumberFormat('en-US', { style: 'percent', maximumFractionDigits: 1 });

/** As the web app's `formatMetric`: `percent` values are fractions (0.42 is 42%). */
export function formatMetric(value: number | null | undefined, format: MetricFormat): string {
  if (value === null || value === undefined || Number.isNaN(value)) return '—';
  if (format === 'percent') return percent.format(value);
  if (format === 'integer') return integer.format(value);
  return Math.abs(value) >= 100 ? oneDecimal.format(value) : decimal.format(value);
}

export function isNumericColumn(column: Pick<WidgetColumn, 'type'>): boolean {
  return column.type === 'number' || column.type === 'integer';
}

/**
 * Percentages in widget tables are 0–100 numbers in a column named `…_pct` or labelled `…%`
 * (AE incidence, demographics): spreadsheets get them as fractions formatted as percentages.
 */
export function isPercentColumn(column: WidgetColumn): boolean {
  return column.type === 'number' && (/_pct$/i.test(column.name) || /%\)?$/.test(column.label.trim()));
}

/** A cell as the screen's table shows it: numbers grouped, missing as empty. */
export function cellText(value: unknown, column?: Pick<WidgetColumn, 'type'>): string {
  if (value === null || value === undefined) return '';
  if (typeof value === 'number') return column?.type === 'integer' ? integer.format(value) : decimal.format(value);
  if (typeof value === 'boolean') return value ? 'Yes' : 'No';
  if (typeof value === 'string') return value;
  return JSON.stringify(value);
}

/** "6 Dec 2026, 15:14 UTC": one unambiguous form for covers and footers. */
export function formatTimestamp(date: Date): string {
  const day = date.toLocaleDateString('en-GB', { day: 'numeric', month: 'short', year: 'numeric', timeZone: 'UTC' });
  const time = date.toLocaleTimeString('en-GB', { hour: '2-digit', minute: '2-digit', timeZone: 'UTC' });
  return `${day}, ${time} UTC`;
}

/** What a widget is drawn as, decided from its answer exactly as the web app's `widgetKind`. */
export type DrawnAs = 'metric' | 'chart' | 'table' | 'error' | 'empty';

export function drawnAs(widget: { data?: WidgetDataResponse; error?: unknown }): DrawnAs {
  const { data } = widget;
  if (!data) return 'error';
  if (data.metric) return 'metric';
  if (data.chart) return 'chart';
  return data.rows.length === 0 ? 'empty' : 'table';
}

/**
 * What a document says under a listing it holds only part of (past the export's row limit, or a
 * type that cannot page further); nothing when every row is there, which is the usual case.
 */
export function partialRowsNote(data: Pick<WidgetDataResponse, 'rows' | 'total'>): string[] {
  if (data.total === undefined || data.total <= data.rows.length) return [];
  const n = (v: number) => v.toLocaleString('en-US');
  return [`The first ${n(data.rows.length)} of ${n(data.total)} rows: filter the listing to export the rest.`];
}
