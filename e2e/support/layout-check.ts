/// <reference lib="dom" />
/// <reference lib="dom.iterable" />
import type { Page } from '@playwright/test';

/**
 * What a reader would see as broken on the page as drawn, found in the browser:
 * - a table whose content is wider than its box with no visible way to scroll to the rest (a
 *   scroller must show its edge shadow, `[data-scroll-cue][data-visible]`, or a real scrollbar;
 *   content cut by a box that does not scroll at all is always a problem);
 * - a cell whose text is cut (ellipsis) with no `title` or accessible name carrying the full text;
 * - chart labels that overlap, or run out of their chart, from ECharts' own laid-out label boxes
 *   (the chart element's `cdpLabelRects()`);
 * - a chart's key (`[data-chart-key]`, the parts its labels cannot name) cut by its card, a line
 *   of it cut, or the chart above it squeezed to less than 120 px;
 * - a page wider than the window (the whole page scrolls sideways, a blank band on the right at
 *   390 px): named by the element that, hidden, would end it.
 */
export async function layoutProblems(page: Page): Promise<string[]> {
  return page.evaluate(() => {
    const problems: string[] = [];
    const name = (el: Element) =>
      el.closest('[data-widget-id]')?.getAttribute('data-widget-id') ??
      el.closest('[aria-label]')?.getAttribute('aria-label') ??
      el.tagName.toLowerCase();
    const scrolls = (el: Element) => ['auto', 'scroll'].includes(getComputedStyle(el).overflowX);
    const clips = (el: Element) => ['hidden', 'clip'].includes(getComputedStyle(el).overflowX);

    for (const table of document.querySelectorAll('table')) {
      const rect = table.getBoundingClientRect();
      if (rect.width === 0) continue;
      for (let el = table.parentElement; el && el !== document.body; el = el.parentElement) {
        const box = el.getBoundingClientRect();
        if (scrolls(el)) {
          if (el.scrollWidth > el.clientWidth + 1) {
            const cue = el.parentElement?.querySelector('[data-scroll-cue][data-visible]');
            const scrollbar = el.offsetHeight - el.clientHeight > 4;
            if (!cue && !scrollbar) problems.push(`${name(table)}: table scrolls sideways with no visible cue`);
          }
          break;
        }
        if (clips(el) && rect.right > box.right + 1) {
          problems.push(`${name(table)}: table cut at ${Math.round(box.right)}px by a box that does not scroll`);
          break;
        }
      }
    }

    for (const cell of document.querySelectorAll('td, th')) {
      for (const el of [cell, ...cell.querySelectorAll('*')]) {
        const style = getComputedStyle(el);
        if (style.textOverflow !== 'ellipsis' || el.scrollWidth <= el.clientWidth + 1) continue;
        if (!el.closest('[title]'))
          problems.push(`${name(cell)}: cell text cut without a tooltip: "${el.textContent}"`);
      }
    }

    type Point = [number, number];
    type Rect = { text: string; x: number; y: number; width: number; height: number; corners: Point[] };
    // Two convex boxes overlap unless some edge direction separates them (separating axis test),
    // with 2 px of slack so labels that only touch pass.
    const overlap = (a: Point[], b: Point[]): boolean => {
      for (const poly of [a, b]) {
        for (let i = 0; i < poly.length; i += 1) {
          const p = poly[i] as Point;
          const q = poly[(i + 1) % poly.length] as Point;
          const len = Math.hypot(q[0] - p[0], q[1] - p[1]) || 1;
          const axis: Point = [(p[1] - q[1]) / len, (q[0] - p[0]) / len];
          const project = (pts: Point[]) => pts.map((c) => c[0] * axis[0] + c[1] * axis[1]);
          const pa = project(a);
          const pb = project(b);
          const gap = Math.min(Math.max(...pa), Math.max(...pb)) - Math.max(Math.min(...pa), Math.min(...pb));
          if (gap <= 2) return false;
        }
      }
      return true;
    };
    for (const chart of document.querySelectorAll('[role="img"]')) {
      const read = (chart as unknown as { cdpLabelRects?: () => Rect[] }).cdpLabelRects;
      if (!read) continue;
      const { width, height } = chart.getBoundingClientRect();
      const rects = read();
      for (const r of rects) {
        if (r.x < -2 || r.y < -2 || r.x + r.width > width + 2 || r.y + r.height > height + 2) {
          problems.push(`${name(chart)}: label "${r.text}" runs out of the chart`);
        }
      }
      for (let i = 0; i < rects.length; i += 1) {
        for (let j = i + 1; j < rects.length; j += 1) {
          const a = rects[i] as Rect;
          const b = rects[j] as Rect;
          if (overlap(a.corners, b.corners))
            problems.push(`${name(chart)}: labels "${a.text}" and "${b.text}" overlap`);
        }
      }
    }
    for (const key of document.querySelectorAll('[data-chart-key]')) {
      const card = key.closest('[data-widget-id]') ?? key.parentElement;
      if (!card) continue;
      if (key.getBoundingClientRect().bottom > card.getBoundingClientRect().bottom + 1)
        problems.push(`${name(key)}: the chart key runs out of its card`);
      for (const line of key.querySelectorAll('li, li *')) {
        if (line.scrollWidth > line.clientWidth + 1) problems.push(`${name(key)}: key line cut: "${line.textContent}"`);
      }
      const chart = key.parentElement?.querySelector('[role="img"]');
      if (chart && chart.getBoundingClientRect().height < 120)
        problems.push(
          `${name(key)}: the chart above its key is ${Math.round(chart.getBoundingClientRect().height)}px tall`,
        );
    }
    // Walks down from the body to the element whose hiding ends the sideways scroll: an `sr-only`
    // header positioned outside its table's scroller did this, or a grid column grown to its table.
    const root = document.documentElement;
    if (root.scrollWidth > window.innerWidth + 1) {
      let culprit: Element = document.body;
      descend: for (;;) {
        for (const child of culprit.children) {
          if (!(child instanceof HTMLElement || child instanceof SVGElement)) continue;
          const display = child.style.display;
          child.style.display = 'none';
          const ends = root.scrollWidth <= window.innerWidth + 1;
          child.style.display = display;
          if (ends) {
            culprit = child;
            continue descend;
          }
        }
        break;
      }
      const label = `${culprit.tagName.toLowerCase()}.${String(culprit.getAttribute('class') ?? '').slice(0, 80)}`;
      problems.push(`page is ${root.scrollWidth}px wide in a ${window.innerWidth}px window (${label})`);
    }
    return problems;
  });
}
