import { describe, expect, it } from 'vitest';
import { fitSankeyLabels, sankeyNodes, sankeyScale } from './sankey-labels.ts';

/** The pilot SDTM's subject flow, as the widget draws it (counts from DM and DS). */
const PILOT: [string, string, number][] = [
  ['Screened', 'Enrolled', 254],
  ['Screened', 'Screen failure', 52],
  ['Enrolled', 'Treated', 254],
  ['Treated', 'Completed', 110],
  ['Treated', 'Discontinued', 144],
  ['Discontinued', 'ADVERSE EVENT', 92],
  ['Discontinued', 'WITHDRAWAL BY SUBJECT', 27],
  ['Discontinued', 'STUDY TERMINATED BY SPONSOR', 7],
  ['Discontinued', 'LACK OF EFFICACY', 4],
  ['Discontinued', 'PHYSICIAN DECISION', 3],
  ['Discontinued', 'LOST TO FOLLOW-UP', 2],
];
const links = PILOT.map(([source, target, value]) => ({ source, target, value }));
const names = [...new Set(links.flatMap((link) => [link.source, link.target]))];
const option = {
  series: [
    {
      type: 'sankey',
      top: 8,
      bottom: 8,
      label: { formatter: '{b}: {c}' },
      data: names.map((name) => ({ name })),
      links,
    },
  ],
};
type Fitted = { right: number; nodeAlign: string; data: { name: string; label: Record<string, unknown> }[] };
const fitted = (width: number, height: number) =>
  (fitSankeyLabels(option, width, height).series as Fitted[])[0] as Fitted;
const labelOf = (f: Fitted, name: string) => f.data.find((d) => d.name === name)?.label ?? {};

describe('sankeyNodes', () => {
  it('puts a node one column past its deepest source, and every node no flow leaves in the last column', () => {
    const nodes = new Map(sankeyNodes(names, links).map((n) => [n.name, n]));
    expect(nodes.get('Screened')).toEqual({ name: 'Screened', depth: 0, value: 306, sink: false });
    expect(nodes.get('Enrolled')?.depth).toBe(1);
    expect(nodes.get('Treated')?.depth).toBe(2);
    expect(nodes.get('Discontinued')).toEqual({ name: 'Discontinued', depth: 3, value: 144, sink: false });
    for (const sink of ['Screen failure', 'Completed', 'ADVERSE EVENT', 'LOST TO FOLLOW-UP'])
      expect(nodes.get(sink)).toMatchObject({ depth: 4, sink: true });
  });

  it('scales by the tightest column: subjects and gaps in the height', () => {
    const nodes = sankeyNodes(names, links);
    // Last column: 8 nodes, 7 gaps, 52 + 110 + 92 + 27 + 7 + 4 + 3 + 2 = 297 subjects.
    expect(sankeyScale(nodes, 400, 16)).toBeCloseTo((400 - 7 * 16) / 297);
    // First column: 306 subjects, no gap; it is the tighter one when gaps cost nothing.
    expect(sankeyScale(nodes, 400, 0)).toBeCloseTo(400 / 306);
  });
});

describe('fitSankeyLabels', () => {
  it('labels the last column right of it, in a margin as wide as its longest label needs', () => {
    const f = fitted(900, 400);
    // "STUDY TERMINATED BY SPONSOR: 7" is 30 characters of about 6.8 px, and 14 px of gap.
    expect(f.right).toBe(Math.round(30 * 6.8 + 14));
    expect(f.nodeAlign).toBe('justify');
    expect(labelOf(f, 'Completed')).toEqual({ position: 'right', width: f.right - 14, overflow: 'truncate' });
  });

  it('never takes more than 42% of a narrow chart, and cuts the label to the room it has', () => {
    const f = fitted(300, 400);
    expect(f.right).toBe(126);
    expect(labelOf(f, 'ADVERSE EVENT').width).toBe(112);
  });

  it('writes a stage that flows go on from inside its node, on its side, in a box of its text', () => {
    const discontinued = labelOf(fitted(400, 400), 'Discontinued');
    expect(discontinued).toMatchObject({ position: 'inside', rotate: 90, fontSize: 12, color: '#ffffff' });
    // The box is the text's own: one as long as the node would run into a short neighbour's label.
    expect(discontinued).not.toHaveProperty('width');
    expect(labelOf(fitted(400, 400), 'Screened')).toMatchObject({ position: 'inside', fontSize: 12 });
  });

  it("writes a short node's label smaller, down to 10 px, and whole past its ends below that", () => {
    // The Overview's card: a 340 px chart; Discontinued is 109 px tall (105 inside its padding),
    // "Discontinued: 144" needs 116 px at 12 px, 106 at 11, 96 at 10.
    expect(labelOf(fitted(400, 340), 'Discontinued')).toMatchObject({ fontSize: 10 });
    expect(labelOf(fitted(400, 360), 'Discontinued')).toMatchObject({ fontSize: 11 });
    // A node too short even at 10 px: the whole label, dark with a white halo, not cut.
    const short = labelOf(fitted(400, 150), 'Discontinued');
    expect(short).toMatchObject({ rotate: 90, fontSize: 11, color: '#1e293b', textBorderColor: '#ffffff' });
    expect(short).not.toHaveProperty('overflow');
  });

  it('leaves other charts, and a chart with no size yet, alone', () => {
    const bar = { series: [{ type: 'bar', data: [1] }] };
    expect(fitSankeyLabels(bar, 500, 300)).toBe(bar);
    expect(fitSankeyLabels(option, 0, 300)).toBe(option);
  });
});
