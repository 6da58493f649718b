import type { LayoutItem } from '@cdp/contracts';
import { verticalCompactor } from 'react-grid-layout/core';
import { DASHBOARD_GRID } from '../../lib/grid.ts';

const GRID_COLS = DASHBOARD_GRID.cols;

interface Box {
  i: string;
  x: number;
  y: number;
  w: number;
  h: number;
}

/** Only what the document stores: the grid library adds `moved`, `static`, … which the contract refuses. */
export function toLayoutItems(layout: readonly Box[]): LayoutItem[] {
  return layout.map(({ i, x, y, w, h }) => ({ i, x, y, w, h }));
}

/** Moves every widget up as far as it goes, as the grid draws them; the document then says what is shown. */
export function compactLayout(layout: readonly Box[]): LayoutItem[] {
  return toLayoutItems(verticalCompactor.compact(toLayoutItems(layout), GRID_COLS));
}

function overlaps(a: Omit<Box, 'i'>, b: Omit<Box, 'i'>): boolean {
  return a.x < b.x + b.w && b.x < a.x + a.w && a.y < b.y + b.h && b.y < a.y + a.h;
}

/** The top-most, then left-most cell where a `w`×`h` widget fits without covering another one. */
export function firstFreePlace(layout: readonly Box[], size: { w: number; h: number }): { x: number; y: number } {
  const w = Math.min(Math.max(size.w, 1), GRID_COLS);
  const bottom = layout.reduce((max, item) => Math.max(max, item.y + item.h), 0);
  for (let y = 0; y <= bottom; y++) {
    for (let x = 0; x + w <= GRID_COLS; x++) {
      const box = { x, y, w, h: size.h };
      if (!layout.some((item) => overlaps(box, item))) return { x, y };
    }
  }
  return { x: 0, y: bottom };
}
