import { FONT_FAMILY, PALETTE } from '@cdp/widgets/theme';
import {
  BarChart,
  BoxplotChart,
  GraphChart,
  LineChart,
  MapChart,
  PieChart,
  SankeyChart,
  ScatterChart,
} from 'echarts/charts';
import {
  AriaComponent,
  DatasetComponent,
  GeoComponent,
  GraphicComponent,
  GridComponent,
  LegendComponent,
  MarkLineComponent,
  TitleComponent,
  TooltipComponent,
  VisualMapComponent,
} from 'echarts/components';
import * as echarts from 'echarts/core';
import { LabelLayout, LegacyGridContainLabel } from 'echarts/features';
import { CanvasRenderer } from 'echarts/renderers';
import { backdropRegion, type CountryCollection, mergeBackdrop, shadedRegions } from '../lib/world-backdrop.ts';

/**
 * ECharts with only what the widget types draw: the full build is ~1 MB, this is about a third.
 * A widget option that needs another chart or component renders nothing for that part (ECharts
 * logs which one), so a new widget type adds its import here.
 */
echarts.use([
  BarChart,
  BoxplotChart,
  // The subject flow's CONSORT-style boxes and arrows.
  GraphChart,
  LineChart,
  MapChart,
  PieChart,
  SankeyChart,
  ScatterChart,
  AriaComponent,
  DatasetComponent,
  GeoComponent,
  // Kaplan–Meier's "Number at risk" heading and log-rank result.
  GraphicComponent,
  GridComponent,
  LegendComponent,
  MarkLineComponent,
  TitleComponent,
  TooltipComponent,
  VisualMapComponent,
  LabelLayout,
  // `grid.containLabel`, which ECharts 6 moved out of the core; options built for v5 still use it.
  LegacyGridContainLabel,
  CanvasRenderer,
]);

export const CHART_THEME = 'cdp';

/** The chart palette the widgets' options carry (so exports match the screen): teal first, then hues that stay apart for colour-blind readers. */
export const CHART_PALETTE = PALETTE;

/**
 * The widgets' options name this same font stack: ECharts keeps its text measurements per font
 * string, so one string for the theme and the options means one cache, not two measured apart.
 */
const FONT = FONT_FAMILY;
/** The font charts measure their labels in: they wait for it to load before the first draw. */
export const CHART_FONT = '"Inter Variable"';
const axisText = { color: '#64748b', fontSize: 11, fontFamily: FONT };
const axis = {
  axisLine: { lineStyle: { color: '#cbd5e1' } },
  axisTick: { lineStyle: { color: '#cbd5e1' } },
  axisLabel: axisText,
  nameTextStyle: { ...axisText, color: '#475569' },
  splitLine: { lineStyle: { color: '#eef2f6' } },
};

echarts.registerTheme(CHART_THEME, {
  color: CHART_PALETTE,
  backgroundColor: 'transparent',
  textStyle: { fontFamily: FONT, color: '#334155' },
  title: { textStyle: { fontFamily: FONT, fontSize: 13, fontWeight: 600, color: '#0f172a' } },
  legend: {
    textStyle: { fontFamily: FONT, fontSize: 12, color: '#475569' },
    icon: 'roundRect',
    itemWidth: 10,
    itemHeight: 10,
  },
  tooltip: {
    backgroundColor: '#ffffff',
    borderColor: '#e2e8f0',
    borderWidth: 1,
    padding: [8, 10],
    textStyle: { fontFamily: FONT, fontSize: 12, color: '#0f172a' },
    extraCssText: 'border-radius: 8px; box-shadow: 0 12px 32px -8px rgb(15 23 42 / 0.18);',
  },
  categoryAxis: { ...axis, splitLine: { show: false } },
  valueAxis: { ...axis, axisLine: { show: false }, axisTick: { show: false } },
  timeAxis: axis,
  logAxis: axis,
  bar: { itemStyle: { borderRadius: [3, 3, 0, 0] }, barMaxWidth: 48 },
  line: { symbol: 'circle', symbolSize: 5, lineStyle: { width: 2 } },
  pie: { itemStyle: { borderColor: '#ffffff', borderWidth: 2 } },
  sankey: { lineStyle: { color: 'gradient', opacity: 0.35 }, label: { fontFamily: FONT, color: '#334155' } },
  visualMap: { inRange: { color: ['#ccfbf1', '#0f766e'] }, textStyle: axisText },
  map: { itemStyle: { areaColor: '#f1f5f9', borderColor: '#cbd5e1' } },
  geo: { itemStyle: { areaColor: '#f1f5f9', borderColor: '#cbd5e1' } },
});

/** Whether a chart has been drawn on this page (or the warm-up below has run). */
let warm = false;

/** Called as a chart is drawn: from then on ECharts' code is warm and `warmUpCharts` does nothing. */
export function noteChartDrawn(): void {
  warm = true;
}

/**
 * The first chart a page draws costs ~35 ms more main-thread time than the same chart drawn
 * second: ECharts' code runs for the first time (bytecode not yet optimised, its inline caches and
 * lazily built tables empty). While a dashboard waits for its data the main thread is idle, so a
 * small chart drawn off-screen then (on no element of the page, then disposed) moves that first-use
 * cost out of the way of the real charts. It draws with ECharts' default font, which no widget
 * uses, so nothing it measures lands in the widgets' text-width caches before the page's font has
 * loaded. Does nothing once a chart has been drawn, or when the idle period is too short to hold it.
 */
export function warmUpCharts(deadline: { timeRemaining(): number }): void {
  if (warm || deadline.timeRemaining() < 40) return;
  warm = true;
  const el = document.createElement('div');
  const chart = echarts.init(el, undefined, { renderer: 'canvas', width: 120, height: 80 });
  try {
    chart.setOption({
      animation: false,
      legend: {},
      xAxis: { type: 'category', data: ['a', 'b'] },
      yAxis: { type: 'value' },
      series: [
        { type: 'bar', name: 'a', data: [1, 2] },
        { type: 'line', name: 'b', data: [2, 1] },
      ],
    });
  } finally {
    chart.dispose();
  }
}

let worldMap: Promise<void> | undefined;
/** The world's countries once loaded, and the name the widgets' options draw them under. */
let world: { name: string; geo: CountryCollection } | undefined;
/** Maps registered with a backdrop, by the regions they keep. */
const backdropMaps = new Map<string, string>();

/**
 * Registers the world map once, the first time a map widget needs it: the geometry is a few hundred
 * kilobytes that dashboards without a map never download.
 */
export function loadWorldMap(): Promise<void> {
  worldMap ??= import('@cdp/widgets/world-geometry').then(({ WORLD_MAP_NAME, worldGeoJson }) => {
    const geo = worldGeoJson() as CountryCollection;
    world = { name: WORLD_MAP_NAME, geo };
    echarts.registerMap(WORLD_MAP_NAME, geo as Parameters<typeof echarts.registerMap>[1]);
  });
  worldMap.catch(() => {
    // A failed download (network) may succeed on the next attempt.
    worldMap = undefined;
  });
  return worldMap;
}

/**
 * A world map option drawn with the countries it shades as regions and all the others as one
 * backdrop region (`mergeBackdrop`), registered once per set of shaded countries. Anything else,
 * or a map not loaded yet, is returned as it is.
 */
export function withWorldBackdrop(option: Record<string, unknown>): Record<string, unknown> {
  const geo = option.geo as Record<string, unknown> | undefined;
  if (!world || !geo || geo.map !== world.name) return option;
  const keep = shadedRegions(geo);
  const key = keep.join('\n');
  let name = backdropMaps.get(key);
  if (!name) {
    name = `${world.name}~${backdropMaps.size + 1}`;
    const merged = mergeBackdrop(world.geo, new Set(keep));
    echarts.registerMap(name, merged as Parameters<typeof echarts.registerMap>[1]);
    backdropMaps.set(key, name);
  }
  const regions = Array.isArray(geo.regions) ? geo.regions : [];
  return { ...option, geo: { ...geo, map: name, regions: [...regions, backdropRegion] } };
}

export { echarts };
