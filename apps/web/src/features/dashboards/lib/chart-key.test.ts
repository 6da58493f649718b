import { describe, expect, it } from 'vitest';
import { chartKey, pieKey, sankeyKey } from './chart-key.ts';

const PALETTE = ['#0f766e', '#2563eb', '#d97706'];

/** A labelled donut as the pie widget draws it (shares with one decimal, Other grey). */
function donut(slices: [name: string, value: number, share: string][]) {
  return {
    color: PALETTE,
    series: [
      {
        type: 'pie',
        radius: ['28%', '46%'],
        label: { show: true, formatter: '{b}' },
        labelLine: { show: true },
        data: slices.map(([name, value, share]) => ({
          name,
          value,
          share,
          ...(name.startsWith('Other') ? { itemStyle: { color: '#94a3b8' } } : {}),
        })),
      },
    ],
  };
}

describe('pieKey', () => {
  const pilot = donut([
    ['COMPLETED', 110, '35.9%'],
    ['ADVERSE EVENT', 92, '30.1%'],
    ['SCREEN FAILURE', 52, '17.0%'],
    ['DEATH', 3, '1.0%'],
    ['Other (2 categories)', 5, '1.6%'],
  ]);

  it('lists every slice (name, value, share, colour) where a slice is too thin for a label', () => {
    const keyed = pieKey(pilot, 430, 380);
    expect(keyed?.key.items).toEqual([
      { name: 'COMPLETED', value: '110', share: '35.9%', color: '#0f766e' },
      { name: 'ADVERSE EVENT', value: '92', share: '30.1%', color: '#2563eb' },
      { name: 'SCREEN FAILURE', value: '52', share: '17.0%', color: '#d97706' },
      { name: 'DEATH', value: '3', share: '1.0%', color: '#0f766e' },
      { name: 'Other (2 categories)', value: '5', share: '1.6%', color: '#94a3b8' },
    ]);
    const [series] = (keyed?.option.series ?? []) as Record<string, unknown>[];
    expect(series).toMatchObject({ label: { show: false }, labelLine: { show: false }, radius: ['48%', '78%'] });
    // The widget's option is left as it was.
    expect(pilot.series[0]?.label.show).toBe(true);
  });

  it.each([
    ['four even slices on a desktop card', 430, 380, 4, false],
    ['four even slices on a phone', 340, 380, 4, false],
    ['seven even slices on a phone', 340, 380, 7, true],
    ['seven even slices on a desktop card', 600, 380, 7, false],
    ['fourteen even slices in a low box', 600, 200, 14, true],
  ])('%s: key %s', (_name, width, height, n, keyed) => {
    const even = donut(Array.from({ length: n }, (_, i) => [`S${i}`, 10, '']));
    expect(pieKey(even, width, height) !== null).toBe(keyed);
  });

  it('leaves a pie without labels (it has its legend) alone', () => {
    const plain = { ...pilot, series: [{ ...pilot.series[0], label: { show: false } }] };
    expect(pieKey(plain, 340, 380)).toBeNull();
  });
});

/** The pilot's Subject Flow as the widget draws it: stages, then the reasons discontinued subjects gave. */
function flow(reasons: [string, number][]) {
  const links = [
    { source: 'Screened', target: 'Enrolled', value: 254 },
    { source: 'Screened', target: 'Screen failure', value: 52 },
    { source: 'Enrolled', target: 'Treated', value: 254 },
    { source: 'Treated', target: 'Completed', value: 110 },
    { source: 'Treated', target: 'Discontinued', value: 144 },
    ...reasons.map(([target, value]) => ({ source: 'Discontinued', target, value })),
  ];
  const names = [...new Set(links.flatMap((l) => [l.source, l.target]))];
  return {
    series: [{ type: 'sankey', data: names.map((name) => ({ name, itemStyle: { color: '#f87171' } })), links }],
  };
}

describe('sankeyKey', () => {
  const pilot = flow([
    ['ADVERSE EVENT', 92],
    ['STUDY TERMINATED BY SPONSOR', 7],
    ['WITHDRAWAL BY SUBJECT', 27],
    ['DEATH', 18],
  ]);

  it('takes the reasons out of a chart too narrow for their labels and lists them, largest first', () => {
    const keyed = sankeyKey(pilot, 340);
    expect(keyed?.key).toEqual({
      title: 'Discontinued: 144',
      items: [
        { name: 'ADVERSE EVENT', value: '92', color: '#f87171' },
        { name: 'WITHDRAWAL BY SUBJECT', value: '27', color: '#f87171' },
        { name: 'DEATH', value: '18', color: '#f87171' },
        { name: 'STUDY TERMINATED BY SPONSOR', value: '7', color: '#f87171' },
      ],
    });
    const [series] = (keyed?.option.series ?? []) as { data: { name: string }[]; links: { target: string }[] }[];
    expect(series?.data.map((d) => d.name)).toEqual([
      'Screened',
      'Enrolled',
      'Screen failure',
      'Treated',
      'Completed',
      'Discontinued',
    ]);
    expect(series?.links.map((l) => l.target)).not.toContain('DEATH');
  });

  it('keeps the reasons where another stage feeds their source too (its short node would sit among the stages)', () => {
    const demo = flow([
      ['ADVERSE EVENT', 92],
      ['WITHDRAWAL BY SUBJECT', 52],
    ]);
    const [series] = demo.series;
    series?.links.push(
      { source: 'Enrolled', target: 'Not treated', value: 2 },
      { source: 'Not treated', target: 'Discontinued', value: 2 },
    );
    series?.data.push({ name: 'Not treated', itemStyle: { color: '#f87171' } });
    expect(sankeyKey(demo, 340)).toBeNull();
  });

  it('keeps the reasons in a chart wide enough for every label, and short reasons at any width', () => {
    // "STUDY TERMINATED BY SPONSOR: 7" needs ~218 px: 42 % of 600 px holds it.
    expect(sankeyKey(pilot, 600)).toBeNull();
    expect(
      chartKey(
        flow([
          ['AE', 92],
          ['OTHER', 52],
        ]),
        340,
        400,
      ),
    ).toBeNull();
  });
});
