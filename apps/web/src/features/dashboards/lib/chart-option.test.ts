import { describe, expect, it } from 'vitest';
import { fadeUnselected, fitLegend, fitPieLabels, largeScatter, seriesOf, usesMap } from './chart-option.ts';

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

describe('fitLegend', () => {
  const arms = ['Placebo', 'Xanomeline High Dose', 'Xanomeline Low Dose'];
  const bars = (names: string[]) => ({
    legend: { show: true, type: 'scroll', top: 0 },
    grid: { left: 8, right: 16, top: 52, bottom: 8 },
    series: names.map((name) => ({ type: 'bar', name, data: [1] })),
  });

  it('keeps one line of legend where the items fit', () => {
    const option = bars(arms);
    expect(fitLegend(option, 900)).toBe(option);
  });

  it('wraps the legend rather than cutting an item, and moves the plot down by the lines added', () => {
    // 63 + 151 + 144 px of items and two gaps: 378 px, more than a 340 px chart has.
    const out = fitLegend(bars(arms), 340);
    expect(out.legend).toEqual({ show: true, type: 'plain', top: 0 });
    expect(out.grid).toEqual({ left: 8, right: 16, top: 76, bottom: 8 });
  });

  it('measures a legend by its own data before its series', () => {
    const quadrants = {
      legend: { type: 'scroll', data: arms },
      grid: { top: 24 },
      series: [{ type: 'scatter', name: 'Quadrants' }],
    };
    expect((fitLegend(quadrants, 340).grid as { top: number }).top).toBe(48);
  });

  it('keeps paging a legend that would need more than three lines, and leaves charts without a grid', () => {
    const many = bars(Array.from({ length: 12 }, (_, i) => `Treatment group ${i + 1}`));
    expect(fitLegend(many, 340)).toBe(many);
    const { grid: _, ...noGrid } = bars(arms);
    expect(fitLegend(noGrid, 340)).toBe(noGrid);
  });
});

describe('fitPieLabels', () => {
  const donut = (names: string[]) => ({
    series: [
      {
        type: 'pie',
        radius: ['28%', '46%'],
        label: { show: true, overflow: 'break' },
        data: names.map((name, i) => ({ name, value: i + 1 })),
      },
    ],
  });
  const radius = (option: Record<string, unknown>) => (option.series as { radius: unknown }[])[0]?.radius;

  it('leaves a pie alone where its longest word fits beside it', () => {
    const option = donut(['COMPLETED', 'ADVERSE EVENT']);
    expect(fitPieLabels(option, 700, 400)).toBe(option);
  });

  it('shrinks the pie where a word would be broken ("COMPLETE" / "D" in a 330 px box)', () => {
    // Room beside the pie: 165 − (9 × 6.4 + 34) = 73.4 px of 165, 44.5 % < 46 %.
    expect(radius(fitPieLabels(donut(['COMPLETED', 'ADVERSE EVENT']), 330, 400))).toEqual(['27%', '44%']);
  });

  it('keeps at least 55 % of the pie, and leaves pies without labels or with pixel radii', () => {
    expect(radius(fitPieLabels(donut(['DISCONTINUATION']), 200, 400))).toEqual(['15%', '25%']);
    const unlabelled = { series: [{ type: 'pie', radius: ['45%', '70%'], label: { show: false }, data: [] }] };
    expect(fitPieLabels(unlabelled, 200, 400)).toBe(unlabelled);
    const pixels = { series: [{ type: 'pie', radius: [0, 80], label: { show: true }, data: [{ name: 'COMPLETED' }] }] };
    expect(radius(fitPieLabels(pixels, 200, 400))).toEqual([0, 80]);
  });
});
