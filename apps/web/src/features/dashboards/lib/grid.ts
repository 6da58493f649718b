import type { LayoutItem } from '@cdp/contracts';

/**
 * The dashboard grid, shared by the view and the builder so a widget is the same size in both:
 * 12 columns, 40 px rows, 16 px between cells (react-grid-layout: `cols: 12`, `rowHeight: 40`,
 * `margin: [16, 16]`). The view places widgets by their layout from `fullGridFrom` px of width;
 * from `twoColumnsFrom` it flows them two abreast (a widget wider than half the grid takes both);
 * below that they stack in one column. Widths are the grid's own (container queries: `@xl`, `@3xl`).
 */
export const DASHBOARD_GRID = { cols: 12, rowHeight: 40, gap: 16, twoColumnsFrom: 576, fullGridFrom: 768 } as const;

/** Reading order (top to bottom, then left to right): the order of the stacked layout and of Tab. */
export function readingOrder(layout: readonly LayoutItem[]): LayoutItem[] {
  return [...layout].sort((a, b) => a.y - b.y || a.x - b.x);
}

/** A widget's height in pixels for `h` grid rows. */
export function gridHeight(h: number): number {
  return h * DASHBOARD_GRID.rowHeight + (h - 1) * DASHBOARD_GRID.gap;
}
