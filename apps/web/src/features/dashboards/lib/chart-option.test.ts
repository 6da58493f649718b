import { describe, expect, it } from 'vitest';
import { fadeUnselected, fitSankeyLabels, largeScatter, seriesOf, usesMap } from './chart-option.ts';

describe('chart options', () => {
  it('fades the items outside the selection and leaves the rest', () => {
    const option = {
      series: [
        {
          type: 'bar',
          data: [
            { value: 1, point: { category: 'A' } },
            { value: 2, point: { category: 'B' }, itemStyle: { color: 'red' } },
            3,
            null,
          ],
        },
      ],
    };
    const faded = fadeUnselected(option, (p) => p.category === 'A');
    expect((faded.series as { data: unknown[] }[])[0]?.data).toEqual([
      { value: 1, point: { category: 'A' } },
      { value: 2, point: { category: 'B' }, itemStyle: { color: 'red', opacity: 0.28 } },
      3,
      null,
    ]);
  });
  it('knows a map by its geo component or map series', () => {
    expect(usesMap({ geo: { map: 'world' }, series: [{ type: 'scatter' }] })).toBe(true);
    expect(usesMap({ series: { type: 'map' } })).toBe(true);
    expect(usesMap({ series: [{ type: 'bar' }] })).toBe(false);
  });
});

describe('fitSankeyLabels', () => {
  const sankey = (names: string[]) => ({
    series: [{ type: 'sankey', right: '24%', label: { position: 'right' }, data: names.map((name) => ({ name })) }],
  });
  const fitted = (names: string[], width: number) =>
    (fitSankeyLabels(sankey(names), width).series as Array<{ right: number; label: Record<string, unknown> }>)[0];

  it('leaves as much room right of the flow as the longest label needs', () => {
    const out = fitted(['Screened', 'WITHDRAWAL BY SUBJECT'], 900);
    expect(out?.right).toBe(Math.round((21 + 6) * 6.8 + 14));
    expect(out?.label).toEqual({ position: 'right', width: (out?.right ?? 0) - 14, overflow: 'truncate' });
  });

  it('never takes more than 42% of a narrow chart, and cuts the label to the room it has', () => {
    const out = fitted(['WITHDRAWAL BY SUBJECT'], 300);
    expect(out?.right).toBe(126);
    expect(out?.label.width).toBe(112);
  });

  it('leaves other charts alone', () => {
    const bar = { series: [{ type: 'bar', data: [1] }] };
    expect(fitSankeyLabels(bar, 500)).toBe(bar);
  });
});

describe('largeScatter', () => {
  const points = (n: number) => Array.from({ length: n }, (_, i) => [i % 26, i]);
  it('draws a scatter of more than 500 points in large mode and leaves the other series alone', () => {
    const option = {
      series: [
        { type: 'boxplot', data: [[1, 2, 3, 4, 5]] },
        { type: 'scatter', data: points(2622) },
      ],
    };
    const series = seriesOf(largeScatter(option));
    expect(series[0]).toEqual(option.series[0]);
    expect(series[1]).toMatchObject({ large: true, largeThreshold: 500 });
    expect(series[1]?.data).toBe(option.series[1]?.data);
  });

  it('keeps small scatters, and scatters with a style per point (faded by a cross-filter), as they are', () => {
    const small = { series: [{ type: 'scatter', data: points(500) }] };
    expect(largeScatter(small)).toBe(small);
    const faded = {
      series: [{ type: 'scatter', data: [...points(600), { value: [1, 1], itemStyle: { opacity: 0.28 } }] }],
    };
    expect(largeScatter(faded)).toBe(faded);
  });
});
