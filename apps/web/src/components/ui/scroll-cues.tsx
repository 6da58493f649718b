import { type RefObject, useEffect, useState } from 'react';
import { cn } from '../../lib/cn.ts';

interface Edges {
  left: boolean;
  right: boolean;
  /** Width of a sticky first column (`[data-sticky-col]` in the first row), where the left shadow starts. */
  sticky: number;
}

/** Whether a horizontally scrolling element has content hidden past its left or right edge. */
export function useHiddenEdges(ref: RefObject<HTMLElement | null>): Edges {
  const [edges, setEdges] = useState<Edges>({ left: false, right: false, sticky: 0 });
  useEffect(() => {
    const element = ref.current;
    if (!element) return;
    const update = () => {
      const max = element.scrollWidth - element.clientWidth;
      const sticky = element.querySelector<HTMLElement>('[data-sticky-col]')?.offsetWidth ?? 0;
      const next = { left: element.scrollLeft > 1, right: max - element.scrollLeft > 1, sticky };
      setEdges((prev) =>
        prev.left === next.left && prev.right === next.right && prev.sticky === next.sticky ? prev : next,
      );
    };
    element.addEventListener('scroll', update, { passive: true });
    // No read now: the observer's first report (after the browser's next layout) gives the edges.
    // Reading sizes while React mounts forces a layout of the whole page (per table on a dashboard).
    const observer = new ResizeObserver(update);
    observer.observe(element);
    for (const child of element.children) observer.observe(child);
    return () => {
      element.removeEventListener('scroll', update);
      observer.disconnect();
    };
  }, [ref]);
  return edges;
}

/**
 * Shadows over the edges of a horizontally scrolling table where columns are hidden, so nothing is
 * cut silently even where the browser hides scrollbars (macOS overlay scrollbars, headless
 * Chromium). Place inside a `relative` box around the scroller; the left shadow starts after a
 * sticky first column.
 */
export function ScrollCues({ edges }: { edges: Edges }) {
  return (
    <>
      <div
        aria-hidden
        data-scroll-cue="left"
        data-visible={edges.left || undefined}
        style={{ left: edges.sticky }}
        className={cn(
          'pointer-events-none absolute inset-y-0 z-[3] w-4 bg-gradient-to-r from-foreground/10 to-transparent transition-opacity',
          edges.left ? 'opacity-100' : 'opacity-0',
        )}
      />
      <div
        aria-hidden
        data-scroll-cue="right"
        data-visible={edges.right || undefined}
        className={cn(
          'pointer-events-none absolute inset-y-0 right-0 z-[3] w-6 bg-gradient-to-l from-foreground/15 to-transparent transition-opacity',
          edges.right ? 'opacity-100' : 'opacity-0',
        )}
      />
    </>
  );
}
