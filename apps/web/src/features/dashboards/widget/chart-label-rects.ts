import type { ECharts } from 'echarts/core';

/** A label as ECharts laid it out: its text and its box in the chart's own pixels. */
export interface LabelRect {
  text: string;
  /** The text as drawn, its lines joined by "\n": ends in "…" where ECharts cut it to a width. */
  drawn: string;
  x: number;
  y: number;
  width: number;
  height: number;
  /** The box's corners as drawn: a rotated label (slanted axis labels) is not its bounding rectangle. */
  corners: Array<[number, number]>;
}

interface ZrText {
  type?: string;
  parent?: ZrText | null;
  ignore?: boolean;
  invisible?: boolean;
  style?: { text?: unknown; opacity?: number };
  getBoundingRect(): { clone(): ZrRect };
  getComputedTransform(): number[] | null;
}
interface ZrRect {
  x: number;
  y: number;
  width: number;
  height: number;
  applyTransform(m: number[]): void;
  clone(): ZrRect;
}

/**
 * Every text ECharts drew (series labels, axis labels and names, legend items) with its box after
 * label layout (hidden overlaps are left out). The layout checks of the end-to-end tests read it
 * through the chart element's `cdpLabelRects()`, to find labels that overlap or leave the chart.
 */
export function labelRects(chart: ECharts): LabelRect[] {
  const zr = chart.getZr() as unknown as { storage: { getDisplayList(update?: boolean): ZrText[] } };
  const out: LabelRect[] = [];
  // The display list holds a text's spans (one per line or rich-text run); the text is their parent.
  const texts = new Map<ZrText, string[]>();
  for (const el of zr.storage.getDisplayList(true)) {
    if (el.type !== 'tspan' || el.parent?.type !== 'text') continue;
    const spans = texts.get(el.parent) ?? [];
    spans.push(String(el.style?.text ?? ''));
    texts.set(el.parent, spans);
  }
  for (const [el, spans] of texts) {
    if (el.ignore || el.invisible || el.style?.opacity === 0) continue;
    const text = el.style?.text;
    if (typeof text !== 'string' || text.trim() === '') continue;
    const local = el.getBoundingRect().clone();
    const transform = el.getComputedTransform();
    const [a = 1, b = 0, c = 0, d = 1, e = 0, f = 0] = transform ?? [];
    const corners = (
      [
        [local.x, local.y],
        [local.x + local.width, local.y],
        [local.x + local.width, local.y + local.height],
        [local.x, local.y + local.height],
      ] as const
    ).map(([x, y]) => [a * x + c * y + e, b * x + d * y + f] as [number, number]);
    const rect = local.clone();
    if (transform) rect.applyTransform(transform);
    if (rect.width <= 0 || rect.height <= 0) continue;
    out.push({ text, drawn: spans.join('\n'), x: rect.x, y: rect.y, width: rect.width, height: rect.height, corners });
  }
  return out;
}
