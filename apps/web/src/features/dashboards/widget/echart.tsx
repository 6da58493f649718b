import { useEffect, useRef } from 'react';
import { cn } from '../../../lib/cn.ts';
import { fitLegend, fitPieLabels, largeScatter, seriesOf, usesMap } from '../lib/chart-option.ts';
import { fitSankeyLabels } from '../lib/sankey-labels.ts';
import { labelRects } from './chart-label-rects.ts';
import { CHART_FONT, CHART_THEME, echarts, loadWorldMap, noteChartDrawn, withWorldBackdrop } from './echarts-setup.ts';

/** What ECharts reports for a click on a bar, slice, point or node (the fields the widgets use). */
export interface ChartClick {
  componentType: string;
  seriesType?: string;
  seriesIndex?: number;
  seriesName?: string;
  dataIndex: number;
  dataType?: string;
  name: string;
  value: unknown;
  data: unknown;
  /** Where the click was, relative to the chart's box (for anchoring a menu). */
  offsetX: number;
  offsetY: number;
}

interface EChartProps {
  option: Record<string, unknown>;
  /** A screen reader's name for the chart (ECharts adds a description of the data to it). */
  label: string;
  onClick?: (click: ChartClick) => void;
  /** Called with the option once ECharts has drawn it (its `finished` event). */
  onRendered?: (option: Record<string, unknown>) => void;
  /** The map could not be loaded. */
  onError?: (error: unknown) => void;
  className?: string;
}

const TRANSITION = { animationDuration: 350, animationDurationUpdate: 300 };

/** A chart's box in whole CSS pixels, as the ResizeObserver last reported it. */
interface Box {
  width: number;
  height: number;
}

const boxText = (box: Box) => `${box.width}x${box.height}`;
const hasArea = (box: Box | null): box is Box => box !== null && box.width > 0 && box.height > 0;

/**
 * Resizes the chart when its box has changed since it was last laid out, and says whether it did.
 * ECharts lays the whole chart out again (labels measured and placed) on every `resize`, changed
 * or not, and a dashboard's grid reports each box several times while it settles. The size is
 * given, not read: ECharts would otherwise read the element's size and computed style, forcing the
 * browser to lay out the whole page there and then (once per chart and resize).
 */
function resizeIfChanged(instance: echarts.ECharts, box: Box, laidOut: { current: string }): boolean {
  const next = boxText(box);
  if (next === laidOut.current) return false;
  laidOut.current = next;
  instance.resize({ width: box.width, height: box.height });
  return true;
}

/**
 * The option without its tooltip, until a pointer comes over the chart. ECharts makes the
 * tooltip's element with the chart and reads the host's computed style to place it (`position`):
 * a style recalculation of the whole page per chart, between the DOM writes of the charts drawn
 * before and after it, for a tooltip nobody may ever ask for. The first `pointerenter` adds it,
 * before the pointer's first move over the chart shows it.
 */
function withoutTooltip(option: Record<string, unknown>): Record<string, unknown> {
  if (!('tooltip' in option)) return option;
  const { tooltip: _, ...rest } = option;
  return rest;
}

/** The components and series types of an option: two options of one shape differ only in their data. */
function optionShape(option: Record<string, unknown>): string {
  const parts = Object.keys(option)
    .filter((key) => key !== 'series')
    .sort()
    .map((key) => `${key}:${Array.isArray(option[key]) ? (option[key] as unknown[]).length : 1}`);
  return [...parts, ...seriesOf(option).map((s) => `${String(s.type)}/${String(s.name ?? '')}`)].join('|');
}

/**
 * A thin ECharts host: one instance per element, made once its box is known, the option replaced
 * (not merged) when it changes, resized with its box, disposed on unmount. Every size comes from a
 * ResizeObserver (measured by the browser's own layout pass), never from reading the element.
 */
export function EChart({ option, label, onClick, onRendered, onError, className }: EChartProps) {
  const element = useRef<HTMLDivElement>(null);
  const chart = useRef<echarts.ECharts | null>(null);
  const shown = useRef<Record<string, unknown> | null>(null);
  /** A draw that waits for the element to have a size. */
  const pending = useRef<(() => void) | null>(null);
  const handlers = useRef({ onClick, onRendered, onError });
  /** The element's box as last observed (null until the observer's first report). */
  const box = useRef<Box | null>(null);
  /** The box size the chart was last laid out at. */
  const laidOut = useRef('');
  /** Whether a pointer has come over the chart: its tooltip is made then (`withoutTooltip`). */
  const pointed = useRef(false);
  handlers.current = { onClick, onRendered, onError };

  useEffect(() => {
    const el = element.current;
    if (!el) return;
    // Charts live in grid cells that change size with the window, the sidebar and the breakpoint.
    // A box of zero width or height (mid-layout, or hidden) is skipped: ECharts' map projection
    // inverts a singular matrix on it and throws "Cannot read properties of null (reading '0')".
    const observer = new ResizeObserver((entries) => {
      const rect = entries.at(-1)?.contentRect;
      if (!rect) return;
      box.current = { width: Math.floor(rect.width), height: Math.floor(rect.height) };
      if (!hasArea(box.current)) return;
      if (pending.current) {
        pending.current();
        return;
      }
      const instance = chart.current;
      if (!instance || !resizeIfChanged(instance, box.current, laidOut)) return;
      // Labels and legends fitted to the width must be fitted again to the new one.
      const option = shown.current;
      if (option && seriesOf(option).some((s) => s.type === 'sankey')) {
        const { width, height } = box.current;
        const series = seriesOf(fitSankeyLabels(option, width, height));
        instance.setOption({ series: series.map((s) => (s.type === 'sankey' ? s : {})) });
      }
      if (option && seriesOf(option).some((s) => s.type === 'pie')) {
        const { width, height } = box.current;
        instance.setOption({
          series: seriesOf(fitPieLabels(option, width, height)).map((s) =>
            s.type === 'pie' ? { radius: s.radius } : {},
          ),
        });
      }
      if (option && (option.legend as { type?: unknown } | undefined)?.type === 'scroll') {
        const { legend, grid } = fitLegend(option, box.current.width);
        instance.setOption({ legend, grid });
      }
    });
    observer.observe(el);
    const addTooltip = () => {
      if (pointed.current) return;
      pointed.current = true;
      const tooltip = shown.current?.tooltip;
      if (chart.current && tooltip !== undefined) chart.current.setOption({ tooltip });
    };
    el.addEventListener('pointerenter', addTooltip);
    return () => {
      el.removeEventListener('pointerenter', addTooltip);
      observer.disconnect();
      chart.current?.dispose();
      chart.current = null;
      shown.current = null;
      laidOut.current = '';
    };
  }, []);

  useEffect(() => {
    let cancelled = false;
    const draw = () => {
      const el = element.current;
      if (cancelled || !el) return;
      const size = box.current;
      if (!hasArea(size)) {
        pending.current = draw;
        return;
      }
      pending.current = null;
      noteChartDrawn();
      let instance = chart.current;
      if (instance) {
        // The box may have changed size while the chart waited for its data.
        resizeIfChanged(instance, size, laidOut);
      } else {
        instance = init(el, size, handlers, shown);
        laidOut.current = boxText(size);
        chart.current = instance;
      }
      // The same kind of chart with new numbers (a filter changed) morphs into them; anything else
      // starts afresh, so nothing of the previous option (an axis under a pie) survives.
      const same = shown.current !== null && optionShape(shown.current) === optionShape(option);
      shown.current = option;
      // ECharts writes a summary of the data into the element's aria-label, after our title.
      const aria = { enabled: true, label: { general: { withoutTitle: `${label}.` } } };
      // Series types with their own slow default (a sankey animates for 1 s) get the short one too.
      // A world map draws the countries without sites as one backdrop region (`withWorldBackdrop`).
      const fitted = largeScatter(
        fitPieLabels(
          fitLegend(fitSankeyLabels(withWorldBackdrop(option), size.width, size.height), size.width),
          size.width,
          size.height,
        ),
      );
      const series = Array.isArray(fitted.series)
        ? fitted.series.map((s: Record<string, unknown>) => ({ animationDuration: TRANSITION.animationDuration, ...s }))
        : fitted.series;
      // A first draw appears at once: twelve charts growing in together cost the page ~350 ms of
      // main-thread work before it is complete. New numbers for the same chart still morph.
      const drawn = pointed.current ? fitted : withoutTooltip(fitted);
      instance.setOption(
        { ...TRANSITION, animation: same, aria, ...drawn, ...(series ? { series } : {}) },
        same ? { replaceMerge: ['series'] } : { notMerge: true },
      );
    };
    // Labels are measured once, when drawn: measured in a fallback font they would not fit once
    // Inter arrives (data can now come before the page's font has loaded).
    // The chart font is asked for by name: with the font preloaded (index.html), no font may be
    // loading yet when the data arrives, and `fonts.ready` alone would let labels be measured in
    // the fallback font just before Inter is applied.
    const fonts = typeof document === 'undefined' ? null : document.fonts;
    const fontsReady = fonts
      ? Promise.all([
          fonts.load(`12px ${CHART_FONT}`).catch(() => undefined),
          fonts.status !== 'loaded' ? fonts.ready : undefined,
        ]).then(() => undefined)
      : Promise.resolve();
    const ready = usesMap(option) ? Promise.all([fontsReady, loadWorldMap()]) : fontsReady;
    ready.then(draw, (error: unknown) => {
      if (!cancelled) handlers.current.onError?.(error);
    });
    return () => {
      cancelled = true;
      if (pending.current === draw) pending.current = null;
    };
  }, [option, label]);

  return <div ref={element} role="img" aria-label={label} className={cn('size-full min-h-0', className)} />;
}

/**
 * ECharts' HTML tooltip, made with the chart, reads the `offsetLeft`/`offsetTop` of the canvas's
 * own wrapper to place itself: a forced layout of the whole page per chart, between the DOM writes
 * of the charts drawn before and after it (127 ms of a loaded machine's warm visit). The wrapper is
 * the first child of our host, which has no padding or border, so its offsets are always 0.
 */
function pinViewportOffset(instance: echarts.ECharts) {
  const painter = (instance.getZr() as unknown as { painter?: { getViewportRootOffset?: unknown } }).painter;
  if (painter && typeof painter.getViewportRootOffset === 'function')
    painter.getViewportRootOffset = () => ({ offsetLeft: 0, offsetTop: 0 });
}

/**
 * The ECharts instance for an element whose size is known: given, so ECharts reads neither the
 * element's size nor its computed style (a forced layout of the page per chart).
 */
function init(
  el: HTMLDivElement,
  size: Box,
  handlers: { current: Pick<EChartProps, 'onClick' | 'onRendered'> },
  shown: { current: Record<string, unknown> | null },
): echarts.ECharts {
  const instance = echarts.init(el, CHART_THEME, { renderer: 'canvas', width: size.width, height: size.height });
  pinViewportOffset(instance);
  // For layout checks (e2e): the labels as laid out, read from the chart's element.
  Object.defineProperty(el, 'cdpLabelRects', { value: () => labelRects(instance), configurable: true });
  instance.on('click', (params) => {
    const event = (params as { event?: { offsetX?: number; offsetY?: number } }).event;
    handlers.current.onClick?.({
      ...(params as unknown as ChartClick),
      offsetX: event?.offsetX ?? 0,
      offsetY: event?.offsetY ?? 0,
    });
  });
  instance.on('finished', () => {
    if (shown.current) handlers.current.onRendered?.(shown.current);
  });
  return instance;
}
