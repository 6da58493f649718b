import type { LayoutItem } from '@cdp/contracts';
import type { CSSProperties, ReactNode } from 'react';
import { readingOrder } from '../lib/grid.ts';

/**
 * A page's widgets placed by their layout (x, y, w, h on the 12-column grid). A CSS grid rather
 * than react-grid-layout: the view never drags, and this costs no JavaScript on resize. The
 * placement follows the grid's own width (container queries, so an open sidebar counts): the
 * layout as designed when there is room (`DASHBOARD_GRID.fullGridFrom`), two columns in reading
 * order on a tablet, one on a phone. Heights stay those of the layout.
 */
export function DashboardGrid({
  layout,
  children,
}: {
  layout: LayoutItem[];
  children: (item: LayoutItem) => ReactNode;
}) {
  return (
    <div className="@container">
      <div className="grid auto-rows-[40px] grid-flow-row-dense grid-cols-1 gap-4 @xl:grid-cols-2 @3xl:grid-cols-12">
        {readingOrder(layout).map((item) => (
          <div
            key={item.i}
            className="min-w-0 [grid-row:span_var(--h)] @xl:[grid-column:span_var(--half)] @3xl:[grid-column:var(--x)/span_var(--w)] @3xl:[grid-row:var(--y)/span_var(--h)]"
            style={
              {
                '--x': item.x + 1,
                '--y': item.y + 1,
                '--w': Math.min(item.w, 12 - item.x),
                '--h': item.h,
                '--half': item.w > 6 ? 2 : 1,
              } as CSSProperties
            }
          >
            {children(item)}
          </div>
        ))}
      </div>
    </div>
  );
}
