import type { SubjectMeasurement } from '@cdp/contracts';
import { parseIsoDate } from './profile-dates.ts';

/** One test's results for the subject, in time order, with how many fall outside the range. */
export interface TestSeries {
  testCode: string;
  test: string;
  unit: string | null;
  category: string | null;
  results: SubjectMeasurement[];
  abnormal: number;
}

export function isAbnormal(m: SubjectMeasurement): boolean {
  const flag = (m.flag ?? '').toUpperCase();
  return flag !== '' && flag !== 'NORMAL' && flag !== 'N';
}

/** Results grouped by test (tests with out-of-range results first, then by name). */
export function testSeries(measurements: SubjectMeasurement[]): TestSeries[] {
  const byTest = new Map<string, TestSeries>();
  for (const m of measurements) {
    const key = `${m.dataset}\u0000${m.testCode}`;
    let series = byTest.get(key);
    if (!series) {
      series = { testCode: m.testCode, test: m.test, unit: m.unit, category: m.category, results: [], abnormal: 0 };
      byTest.set(key, series);
    }
    series.results.push(m);
    if (isAbnormal(m)) series.abnormal++;
    series.unit ??= m.unit;
  }
  return [...byTest.values()].sort((a, b) => b.abnormal - a.abnormal || a.test.localeCompare(b.test));
}

/** Where a result sits on the x axis: its date, else its study day, else its visit number. */
export function xOf(m: SubjectMeasurement, axis: 'time' | 'day' | 'visit'): number | null {
  if (axis === 'time') return parseIsoDate(m.date);
  if (axis === 'day') return m.day;
  return m.visitNum;
}

/** The axis every result of the series can be placed on, preferring dates. */
export function axisOf(results: SubjectMeasurement[]): 'time' | 'day' | 'visit' {
  if (results.every((m) => parseIsoDate(m.date) !== null)) return 'time';
  if (results.every((m) => m.day !== null)) return 'day';
  return 'visit';
}

const FLAG_COLOURS = { HIGH: '#dc2626', LOW: '#2563eb', OTHER: '#d97706', NORMAL: '#0f766e' } as const;

export function flagColour(m: SubjectMeasurement): string {
  const flag = (m.flag ?? '').toUpperCase();
  if (!isAbnormal(m)) return FLAG_COLOURS.NORMAL;
  if (flag.startsWith('H')) return FLAG_COLOURS.HIGH;
  if (flag.startsWith('L')) return FLAG_COLOURS.LOW;
  return FLAG_COLOURS.OTHER;
}

/**
 * The ECharts option of one test over time: the values as a line, out-of-range points larger and
 * coloured (high red, low blue), and the reference range shaded as a band between its low and
 * high limits (which may change between visits, so the band follows each result's own limits).
 */
export function measurementOption(series: TestSeries): Record<string, unknown> {
  const axis = axisOf(series.results);
  const placed = series.results
    .map((m) => ({ m, x: xOf(m, axis) }))
    .filter((p): p is { m: SubjectMeasurement; x: number } => p.x !== null)
    .sort((a, b) => a.x - b.x);
  const values = placed.filter((p) => p.m.value !== null);
  const ranged = placed.filter((p) => p.m.low !== null && p.m.high !== null);
  const unit = series.unit ? ` (${series.unit})` : '';
  return {
    animation: false,
    grid: { left: 8, right: 20, top: 28, bottom: 8, containLabel: true },
    tooltip: { trigger: 'item', confine: true },
    xAxis: {
      type: axis === 'time' ? 'time' : 'value',
      name: axis === 'day' ? 'Study day' : axis === 'visit' ? 'Visit number' : undefined,
      nameLocation: 'middle',
      nameGap: 24,
      scale: true,
      axisLabel: { hideOverlap: true, fontSize: 11 },
      splitLine: { show: false },
    },
    yAxis: {
      type: 'value',
      name: `${series.test}${unit}`,
      nameTextStyle: { align: 'left', fontSize: 11, color: '#475569' },
      scale: true,
      axisLabel: { fontSize: 11 },
      splitLine: { lineStyle: { color: '#eef2f6' } },
    },
    series: [
      // The reference range: an invisible lower edge and the range stacked on it, shaded.
      {
        type: 'line',
        name: 'Lower limit',
        stack: 'range',
        step: 'middle',
        symbol: 'none',
        silent: true,
        lineStyle: { opacity: 0 },
        tooltip: { show: false },
        data: ranged.map((p) => [p.x, p.m.low]),
      },
      {
        type: 'line',
        name: 'Reference range',
        stack: 'range',
        step: 'middle',
        symbol: 'none',
        silent: true,
        lineStyle: { opacity: 0 },
        areaStyle: { color: 'rgba(20, 184, 166, 0.12)' },
        tooltip: { show: false },
        data: ranged.map((p) => [p.x, (p.m.high ?? 0) - (p.m.low ?? 0)]),
      },
      {
        type: 'line',
        name: series.test,
        symbolSize: 7,
        lineStyle: { color: '#334155', width: 1.5 },
        itemStyle: { color: '#0f766e' },
        data: values.map((p) => ({
          value: [p.x, p.m.value],
          symbolSize: isAbnormal(p.m) ? 11 : 7,
          itemStyle: { color: flagColour(p.m), borderColor: '#fff', borderWidth: 1 },
          tooltip: {
            formatter: [
              `${p.m.visit ?? ''}${p.m.date ? ` · ${p.m.date}` : ''}`,
              `${series.test}: ${p.m.value}${series.unit ? ` ${series.unit}` : ''}`,
              p.m.low !== null || p.m.high !== null ? `Range ${p.m.low ?? '…'}–${p.m.high ?? '…'}` : '',
              isAbnormal(p.m) ? `Flag: ${p.m.flag}` : '',
            ]
              .filter(Boolean)
              .map(escapeHtml)
              .join('<br/>'),
          },
        })),
      },
    ],
  };
}

/** Tooltips are HTML: data text is escaped before it reaches one. */
export function escapeHtml(text: string): string {
  return text.replace(/[&<>"']/g, (c) => `&#${c.charCodeAt(0)};`);
}
