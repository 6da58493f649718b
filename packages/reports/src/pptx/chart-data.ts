import { seriesOf } from '../chart-svg.ts';

/** A chart PowerPoint can draw natively (editable): the type and its data in pptxgenjs' shape. */
export interface NativeChart {
  type: 'bar' | 'line' | 'pie' | 'doughnut' | 'scatter';
  data: { name: string; labels?: string[]; values: (number | null)[] }[];
  horizontal: boolean;
  /**
   * The category axis runs the other way from PowerPoint's default (ECharts' `inverse`): horizontal
   * bars list their first category at the top on screen, while PowerPoint starts at the bottom.
   */
  reversed: boolean;
  stacked: boolean;
}

function numberOf(item: unknown): number | null {
  if (typeof item === 'number') return Number.isFinite(item) ? item : null;
  if (Array.isArray(item)) return numberOf(item.at(-1));
  if (item && typeof item === 'object' && 'value' in item) return numberOf((item as { value: unknown }).value);
  return null;
}

function pairOf(item: unknown): [number, number] | null {
  const raw =
    item && typeof item === 'object' && !Array.isArray(item) && 'value' in item
      ? (item as { value: unknown }).value
      : item;
  if (!Array.isArray(raw) || raw.length < 2) return null;
  const [x, y] = raw.map(Number);
  return x !== undefined && y !== undefined && Number.isFinite(x) && Number.isFinite(y) ? [x, y] : null;
}

function isInverse(axis: unknown): boolean {
  const first = Array.isArray(axis) ? axis[0] : axis;
  return Boolean(first && typeof first === 'object' && (first as { inverse?: unknown }).inverse === true);
}

function axisLabels(axis: unknown): string[] | null {
  const first = Array.isArray(axis) ? axis[0] : axis;
  if (!first || typeof first !== 'object') return null;
  const { type, data } = first as { type?: string; data?: unknown[] };
  if (type !== 'category' || !Array.isArray(data)) return null;
  return data.map((d) =>
    d && typeof d === 'object' && 'value' in d ? String((d as { value: unknown }).value) : String(d),
  );
}

/**
 * The ECharts option a widget built (the screen's), read back as a native PowerPoint chart when
 * it is one PowerPoint has: bars or lines over a category axis, a pie or donut, a scatter.
 * Anything else (maps, flows, box plots, mixed series) is null, and is placed as a picture.
 */
export function nativeChart(option: Record<string, unknown>): NativeChart | null {
  const series = seriesOf(option);
  const types = new Set(series.map((s) => s.type));
  if (series.length === 0 || types.size !== 1 || option.geo || option.visualMap) return null;
  const type = series[0]?.type;
  if (type === 'bar' || type === 'line') {
    const x = axisLabels(option.xAxis);
    const y = axisLabels(option.yAxis);
    const labels = x ?? y;
    if (!labels) return null;
    return {
      type,
      horizontal: !x && Boolean(y),
      reversed: isInverse(x ? option.xAxis : option.yAxis),
      stacked: series.some((s) => s.stack !== undefined),
      data: series.map((s) => ({
        name: String(s.name ?? ''),
        labels,
        values: labels.map((_, i) => numberOf((s.data as unknown[] | undefined)?.[i])),
      })),
    };
  }
  if (type === 'pie' && series.length === 1) {
    const s = series[0] ?? {};
    const items = (Array.isArray(s.data) ? s.data : []) as { name?: unknown; value?: unknown }[];
    const radius = s.radius;
    const inner = Array.isArray(radius) ? String(radius[0] ?? '0') : '0';
    return {
      type: Number.parseFloat(inner) > 0 ? 'doughnut' : 'pie',
      horizontal: false,
      reversed: false,
      stacked: false,
      data: [
        {
          name: String(s.name ?? ''),
          labels: items.map((i) => String(i.name ?? '')),
          values: items.map((i) => numberOf(i.value)),
        },
      ],
    };
  }
  if (type === 'scatter') {
    // pptxgenjs' scatter shares one X list: every series' points go in it, each series has values
    // only at its own points.
    const points = series.map((s) =>
      ((Array.isArray(s.data) ? s.data : []) as unknown[]).map(pairOf).filter((p) => p !== null),
    );
    const xs = points.flat().map(([x]) => x);
    let offset = 0;
    const data = series.map((s, i) => {
      const own = points[i] ?? [];
      const values: (number | null)[] = xs.map(() => null);
      own.forEach(([, y], j) => {
        values[offset + j] = y;
      });
      offset += own.length;
      return { name: String(s.name ?? `Series ${i + 1}`), values };
    });
    return { type, horizontal: false, reversed: false, stacked: false, data: [{ name: 'X', values: xs }, ...data] };
  }
  return null;
}
