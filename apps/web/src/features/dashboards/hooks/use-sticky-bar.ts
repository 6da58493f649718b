import { type RefObject, useEffect, useState } from 'react';

/**
 * For the dashboard's sticky filter bar: whether it is stuck (the page scrolled under it), and the
 * page's `scroll-padding-top` set to the bar's bottom while it is mounted, so that focusing a
 * widget's control or scrolling a widget into view puts its header below the bar, not under it.
 */
export function useStickyBar(bar: RefObject<HTMLElement | null>, sentinel: RefObject<HTMLElement | null>): boolean {
  const [stuck, setStuck] = useState(false);
  useEffect(() => {
    const element = bar.current;
    const marker = sentinel.current;
    if (!element || !marker) return;
    const root = document.documentElement;
    const before = root.style.scrollPaddingTop;
    let intersect: IntersectionObserver | null = null;
    // Sizes are read in the observer's reports, which come after the browser has laid the page
    // out: read while the dashboard mounts, they would force a layout of the whole page.
    const pad = () => {
      const top = Number.parseFloat(getComputedStyle(element).top) || 0;
      const padding = `${Math.ceil(top + element.offsetHeight + 8)}px`;
      // A style written on the root invalidates the page's style: only when it changes.
      if (root.style.scrollPaddingTop !== padding) root.style.scrollPaddingTop = padding;
      if (intersect) return;
      // The marker sits just above the bar: once it has scrolled out of view, the bar is stuck.
      intersect = new IntersectionObserver(([entry]) => setStuck(entry ? !entry.isIntersecting : false), {
        rootMargin: `-${Math.ceil(top)}px 0px 0px 0px`,
      });
      intersect.observe(marker);
    };
    const resize = new ResizeObserver(pad);
    resize.observe(element);
    window.addEventListener('resize', pad);
    return () => {
      resize.disconnect();
      intersect?.disconnect();
      window.removeEventListener('resize', pad);
      root.style.scrollPaddingTop = before;
    };
  }, [bar, sentinel]);
  return stuck;
}
