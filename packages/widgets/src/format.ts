import type { QueryResult, ResultColumnType, WidgetColumn } from '@cdp/contracts';
import type {
  EChartsOption,
  GridComponentOption,
  LegendComponentOption,
  TooltipComponentOption,
  XAXisComponentOption,
  YAXisComponentOption,
} from 'echarts';

/**
 * How the widgets look: one palette, one typography, and the helpers that turn table cells into
 * chart labels. Every chart option carries these itself (not only the web app's ECharts theme), so a
 * PDF or PowerPoint export draws exactly what the screen shows.
 */

/** Teal first (the brand accent), then hues that stay apart for colour-blind readers; the same as the web theme. */
export const PALETTE: readonly string[] = [
  '#0f766e',
  '#2563eb',
  '#d97706',
  '#7c3aed',
  '#db2777',
  '#0891b2',
  '#65a30d',
  '#dc2626',
  '#475569',
];

/** The "Other" bucket of a top-N chart: quiet, so the named groups carry the colour. */
export const OTHER_COLOR = '#94a3b8';

/**
 * Inter as the web app loads it, then Inter as exporters find it installed, then system fonts.
 * Single quotes only: ECharts' server-side SVG writes the family unescaped into a double-quoted
 * `style` attribute, where a double quote would end the attribute and break the SVG.
 */
export const FONT_FAMILY =
  "'Inter Variable', Inter, ui-sans-serif, system-ui, -apple-system, 'Segoe UI', Roboto, Arial, sans-serif";

export const TEXT_COLORS = { strong: '#0f172a', body: '#334155', label: '#475569', muted: '#64748b' } as const;
const LINE_COLORS = { axis: '#cbd5e1', split: '#eef2f6' } as const;

/** How a missing (null) dimension value reads; the row keeps the null, so a click filters on "missing". */
export const MISSING_LABEL = '(missing)';

/** The label of the group that `QueryTopN` merges the smaller groups into. */
export const OTHER_LABEL = 'Other';

/** The top N output (`topN.keysInOther`) saying how many categories "Other" merges. */
export const KEYS_IN_OTHER = 'keys_in_other';

/**
 * How many categories the Other rows of a top N result merge (`topN.keysInOther`, the same on each
 * Other row); undefined without an Other row.
 */
export function otherCategories(rows: readonly Record<string, unknown>[]): number | undefined {
  const n = rows.map((row) => toNumber(row[KEYS_IN_OTHER])).find((v) => v !== null && v > 0);
  return n ?? undefined;
}

/** A dimension value as a chart label: missing values say so, everything else as written. */
export function displayLabel(value: unknown): string {
  if (value === null || value === undefined || value === '') return MISSING_LABEL;
  if (typeof value === 'boolean') return value ? 'Yes' : 'No';
  return String(value);
}

/** A result cell as a number: the engine sends bigints that do not fit a double as strings. */
export function toNumber(cell: unknown): number | null {
  if (typeof cell === 'number') return Number.isFinite(cell) ? cell : null;
  if (typeof cell === 'string' && cell.trim() !== '') {
    const n = Number(cell);
    return Number.isFinite(n) ? n : null;
  }
  return null;
}

/**
 * Four significant digits, never fewer decimals than an integer needs: 54.3333 → 54.33, 0.0034567 →
 * 0.003457, 12345.6 → 12346. Chart options cannot carry formatter functions, so values are rounded
 * before ECharts shows them in tooltips and labels; tables keep full precision.
 */
export function roundForDisplay(value: number): number {
  if (value === 0 || !Number.isFinite(value)) return value;
  const decimals = Math.min(8, Math.max(0, 3 - Math.floor(Math.log10(Math.abs(value)))));
  const factor = 10 ** decimals;
  return Math.round(value * factor) / factor;
}

const COUNT_FORMAT = new Intl.NumberFormat('en-US', { maximumFractionDigits: 0 });

/** 12345 → "12,345" (notes are English, like the rest of the server's messages). */
export function formatCount(n: number): string {
  return COUNT_FORMAT.format(n);
}

const COLLATOR = new Intl.Collator('en', { numeric: true, sensitivity: 'base' });

/**
 * The order in which dimension values read naturally: numbers by value, text by natural order
 * ("Week 2" before "Week 10"), missing values last. The "Other" bucket is placed by the caller.
 */
export function compareLabels(a: unknown, b: unknown): number {
  const aMissing = a === null || a === undefined;
  const bMissing = b === null || b === undefined;
  if (aMissing || bMissing) return Number(aMissing) - Number(bMissing);
  if (typeof a === 'number' && typeof b === 'number') return a - b;
  return COLLATOR.compare(String(a), String(b));
}

/** A result's rows as records keyed by output name (widgets name their outputs, so order never matters). */
export function records(result: QueryResult | undefined): Record<string, unknown>[] {
  if (!result) return [];
  const names = result.columns.map((c) => c.name);
  return result.rows.map((row) => Object.fromEntries(names.map((name, i) => [name, row[i]])));
}

/** The type the engine reports for an output column. */
export function typeOf(result: QueryResult | undefined, name: string): ResultColumnType | undefined {
  return result?.columns.find((c) => c.name === name)?.type;
}

/** A note for the reader when the engine's row cap cut a result. */
export function cutNotes(result: QueryResult | undefined, what: string): string[] {
  if (!result?.truncated) return [];
  return [`Only the first ${formatCount(result.rows.length)} ${what} are shown: filter the data to see the rest.`];
}

/** A clicked chart item in field terms (`{ category: "Placebo", series: "F" }`), as drill-down takes it. */
export type Point = Record<string, string | number | boolean | null>;

/**
 * The dimension values of a table row, keyed by field. Chart data items carry it as `point`, so the
 * web app filters on the raw values (a null is "missing") whatever the label on screen says. An item
 * that stands for no single value (the "Other" bucket of a top N) carries `point: null`: a click on
 * it must not filter.
 */
export function pointOf(columns: readonly WidgetColumn[], row: readonly unknown[]): Point {
  const point: Point = {};
  columns.forEach((column, i) => {
    const value = row[i] ?? null;
    if (!column.field || column.field in point) return;
    if (value === null || typeof value === 'string' || typeof value === 'number' || typeof value === 'boolean') {
      point[column.field] = value;
    }
  });
  return point;
}

/** The position of the column named `name` in a widget table (-1 when absent). */
export function columnIndex(columns: readonly WidgetColumn[], name: string): number {
  return columns.findIndex((c) => c.name === name);
}

const axisText = { color: TEXT_COLORS.muted, fontSize: 11, lineHeight: 14, fontFamily: FONT_FAMILY };
const axisLines = {
  axisLine: { lineStyle: { color: LINE_COLORS.axis } },
  axisTick: { lineStyle: { color: LINE_COLORS.axis } },
  axisLabel: axisText,
  nameTextStyle: { ...axisText, color: TEXT_COLORS.label },
};

type AxisOption = XAXisComponentOption & YAXisComponentOption;

/** Slanted category labels are shown all when there are at most this many; beyond, ECharts thins them out. */
const ALL_LABELS_UP_TO = 24;

/** Whether `categoryAxis` slants these labels across the chart (then the grid needs room on the left). */
export function slanted(labels: string[]): boolean {
  return labels.length > 3 && labels.some((label) => label.length > 10);
}

/**
 * A category axis. Across (x), long names are slanted and cut to a width, so they neither overlap
 * nor take the plot's height; down (y), they are cut to a width so the plot keeps its room.
 */
export function categoryAxis(labels: string[], name?: string, direction: 'across' | 'down' = 'across'): AxisOption {
  const fit =
    direction === 'down'
      ? { width: 140, overflow: 'truncate' as const }
      : slanted(labels)
        ? {
            rotate: 30,
            width: 110,
            overflow: 'truncate' as const,
            ...(labels.length <= ALL_LABELS_UP_TO ? { interval: 0 } : {}),
          }
        : {};
  return {
    type: 'category',
    data: labels,
    ...axisLines,
    axisLabel: { ...axisText, hideOverlap: true, ...fit },
    splitLine: { show: false },
    ...(name ? { name, nameLocation: 'middle' as const, nameGap: 28 } : {}),
  };
}

/** A value axis; its name (the measure, e.g. "Subjects") sits at the end of the axis. */
export function valueAxis(name?: string): AxisOption {
  return {
    type: 'value',
    ...axisLines,
    axisLine: { show: false },
    axisTick: { show: false },
    // A narrow horizontal bar chart at 1024 px printed "120150180" as one smear of numbers.
    axisLabel: { ...axisText, hideOverlap: true },
    splitLine: { lineStyle: { color: LINE_COLORS.split } },
    scale: false,
    ...(name ? { name } : {}),
  };
}

/** A value axis that need not start at zero (scatter plots, box plots of lab values). */
export function scaledValueAxis(name?: string): AxisOption {
  return { ...valueAxis(name), scale: true };
}

/** A time axis over ISO dates (`YYYY-MM-DD…`), which ECharts parses and labels itself. */
export function timeAxis(name?: string): AxisOption {
  return {
    type: 'time',
    ...axisLines,
    axisLabel: { ...axisText, hideOverlap: true },
    splitLine: { show: false },
    ...(name ? { name, nameLocation: 'middle' as const, nameGap: 28 } : {}),
  };
}

export function legend(show: boolean): LegendComponentOption {
  return {
    show,
    type: 'scroll',
    top: 0,
    icon: 'roundRect',
    itemWidth: 10,
    itemHeight: 10,
    textStyle: { fontFamily: FONT_FAMILY, fontSize: 12, color: TEXT_COLORS.label },
  };
}

export function tooltip(
  trigger: 'axis' | 'item',
  pointer: 'shadow' | 'line' | 'none' = 'none',
): TooltipComponentOption {
  return {
    trigger,
    confine: true,
    ...(pointer !== 'none' ? { axisPointer: { type: pointer } } : {}),
    backgroundColor: '#ffffff',
    borderColor: '#e2e8f0',
    borderWidth: 1,
    padding: [8, 10],
    textStyle: { fontFamily: FONT_FAMILY, fontSize: 12, color: TEXT_COLORS.strong },
  };
}

/**
 * The margins of a cartesian chart. ECharts 6 keeps axis labels inside the canvas by itself
 * (`outerBounds`), so these are breathing room, plus space for the legend on top.
 */
export function grid(withLegend: boolean, slantedLabels = false): GridComponentOption {
  // The first slanted label reaches left of the plot, further than ECharts reserves for it. The
  // value axis's name sits above the plot: with a legend on top it needs a line of its own, or a
  // legend as wide as the chart covers it.
  return { left: slantedLabels ? 64 : 8, right: 16, top: withLegend ? 52 : 24, bottom: 8 };
}

/**
 * The finished option: palette and typography first, so each chart only says what it draws. The
 * result is plain JSON (no functions), because it is sent to the browser and to the exporters.
 */
export function chartOption(option: EChartsOption): Record<string, unknown> {
  const base: EChartsOption = {
    color: [...PALETTE],
    backgroundColor: 'transparent',
    textStyle: { fontFamily: FONT_FAMILY, color: TEXT_COLORS.body },
  };
  return { ...base, ...option } as Record<string, unknown>;
}
