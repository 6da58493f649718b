import { PALETTE } from '@cdp/widgets/theme';
import { Resvg } from '@resvg/resvg-js';
import * as echarts from 'echarts';
import { FONT_DIR, FONT_FAMILY_NAME } from './fonts.ts';

const THEME = 'cdp-export';
const FONT = `'${FONT_FAMILY_NAME}', sans-serif`;
const axisText = { color: '#64748b', fontSize: 11, fontFamily: FONT };
const axis = {
  axisLine: { lineStyle: { color: '#cbd5e1' } },
  axisTick: { lineStyle: { color: '#cbd5e1' } },
  axisLabel: axisText,
  nameTextStyle: { ...axisText, color: '#475569' },
  splitLine: { lineStyle: { color: '#eef2f6' } },
};

// The web app's chart theme (apps/web/…/echarts-setup.ts) with the export font: same palette,
// axes and shapes, so a chart in a document looks like the one on screen.
echarts.registerTheme(THEME, {
  color: PALETTE,
  backgroundColor: 'transparent',
  textStyle: { fontFamily: FONT, color: '#334155' },
  title: { textStyle: { fontFamily: FONT, fontSize: 13, fontWeight: 600, color: '#0f172a' } },
  legend: {
    textStyle: { fontFamily: FONT, fontSize: 12, color: '#475569' },
    icon: 'roundRect',
    itemWidth: 10,
    itemHeight: 10,
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

/** The series of an ECharts option, whether given as one object or a list. */
export function seriesOf(option: Record<string, unknown>): Record<string, unknown>[] {
  const series = Array.isArray(option.series) ? option.series : option.series ? [option.series] : [];
  return series.filter((s): s is Record<string, unknown> => typeof s === 'object' && s !== null);
}

export function usesMap(option: Record<string, unknown>): boolean {
  return Boolean(option.geo) || seriesOf(option).some((s) => s.type === 'map');
}

let worldMap: Promise<void> | undefined;

async function ensureWorldMap(): Promise<void> {
  worldMap ??= import('@cdp/widgets/world').then(({ WORLD_MAP_NAME, worldGeoJson }) => {
    echarts.registerMap(WORLD_MAP_NAME, worldGeoJson() as Parameters<typeof echarts.registerMap>[1]);
  });
  return worldMap;
}

/** As the web app does for the drawn width: a sankey's right-hand labels get the room they need. */
function fitted(option: Record<string, unknown>, width: number): Record<string, unknown> {
  const series = seriesOf(option);
  if (!series.some((s) => s.type === 'sankey')) return option;
  return {
    ...option,
    series: series.map((s) => {
      if (s.type !== 'sankey' || !Array.isArray(s.data)) return s;
      const longest = Math.max(0, ...s.data.map((node) => String((node as { name?: unknown }).name ?? '').length + 6));
      const right = Math.round(Math.max(60, Math.min(longest * 6.8 + 14, width * 0.42)));
      const label = (s.label ?? {}) as Record<string, unknown>;
      return { ...s, right, label: { ...label, width: right - 14, overflow: 'truncate' } };
    }),
  };
}

/** A scatter series with more points than this is drawn as one path (ECharts' large mode) in documents. */
export const LARGE_SCATTER = 200;

/**
 * Scatter series with many points (a box plot's outliers: 2,735 on the 1,000,000-row LB study's
 * ALT by visit) drawn for paper: points at the very same place are drawn once (a second identical
 * hollow circle on top of the first adds nothing), and the rest as ECharts' large mode, one path
 * for all the symbols instead of one SVG element each. The drawing is the same; the SVG is ~4×
 * smaller, and ECharts and svg-to-pdfkit, whose cost grows with elements, are several times faster.
 * Per-point styles and tooltips, which large mode gives up, mean nothing on paper.
 */
export function thinnedForPrint(option: Record<string, unknown>): Record<string, unknown> {
  const series = seriesOf(option);
  if (!series.some((s) => s.type === 'scatter' && Array.isArray(s.data) && s.data.length > LARGE_SCATTER))
    return option;
  return {
    ...option,
    series: series.map((s) => {
      if (s.type !== 'scatter' || !Array.isArray(s.data) || s.data.length <= LARGE_SCATTER) return s;
      const seen = new Set<string>();
      const data = s.data.filter((item) => {
        const value = item && typeof item === 'object' && 'value' in item ? (item as { value: unknown }).value : item;
        const key = JSON.stringify(value);
        if (seen.has(key)) return false;
        seen.add(key);
        return true;
      });
      return { ...s, data, large: true, largeThreshold: LARGE_SCATTER };
    }),
  };
}

/**
 * A widget's ECharts option (the one the screen draws) as an SVG document, by ECharts' own
 * server-side SVG renderer: no browser, no canvas. Animation and tooltips are off; the rest is
 * the option as the widget built it.
 */
export async function renderChartSvg(option: Record<string, unknown>, width: number, height: number): Promise<string> {
  if (usesMap(option)) await ensureWorldMap();
  const chart = echarts.init(null, THEME, {
    renderer: 'svg',
    ssr: true,
    width: Math.round(width),
    height: Math.round(height),
  });
  try {
    chart.setOption({ ...fitted(thinnedForPrint(option), width), animation: false, tooltip: { show: false } });
    return chart.renderToSVGString();
  } finally {
    chart.dispose();
  }
}

/**
 * An SVG as PNG at `scale` × its size, by resvg with the export fonts loaded (without fonts
 * loaded, resvg draws no text at all).
 */
export function svgToPng(svg: string, scale = 2): Buffer {
  const resvg = new Resvg(svg, {
    background: '#ffffff',
    fitTo: { mode: 'zoom', value: scale },
    font: {
      fontDirs: [FONT_DIR],
      loadSystemFonts: false,
      defaultFontFamily: FONT_FAMILY_NAME,
      sansSerifFamily: FONT_FAMILY_NAME,
    },
  });
  return Buffer.from(resvg.render().asPng());
}
