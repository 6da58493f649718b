import { chartOption, OTHER_COLOR, PALETTE, TEXT_COLORS, tooltip } from '../format.ts';
import { type FlowLink, STAGES } from './flow-links.ts';

/** Stages keep their colour in both styles: the way on is blue-green, the ways out amber and red. */
const COLORS: Record<string, string | undefined> = {
  [STAGES.screened]: PALETTE[8],
  [STAGES.screenFailure]: PALETTE[2],
  [STAGES.enrolled]: PALETTE[1],
  [STAGES.notEnrolled]: OTHER_COLOR,
  [STAGES.treated]: PALETTE[0],
  [STAGES.notTreated]: OTHER_COLOR,
  [STAGES.completed]: PALETTE[6],
  [STAGES.discontinued]: PALETTE[7],
  [STAGES.ongoing]: PALETTE[5],
};
const REASON_COLOR = '#f87171';
const BORDER_COLOR = '#94a3b8';

/** Each node's subjects: the screened count for the root, the sum of its inflows for the rest. */
function nodeValues(links: FlowLink[]): Map<string, number> {
  const values = new Map<string, number>();
  for (const [, to, subjects] of links) values.set(to, (values.get(to) ?? 0) + subjects);
  return values;
}

/** Sankey: every stage and discontinuation reason a node, link widths in subjects. */
export function sankeyOption(links: FlowLink[]): Record<string, unknown> {
  const nodes = [...nodeValues(links).keys()];
  return chartOption({
    tooltip: tooltip('item'),
    series: [
      {
        type: 'sankey',
        left: 8,
        // Room for the reason labels right of the last column.
        right: '24%',
        top: 8,
        bottom: 8,
        nodeAlign: 'left',
        nodeGap: 10,
        emphasis: { focus: 'adjacency' },
        // Labels print over the flows beside their node: a light box keeps them readable.
        label: {
          position: 'right',
          formatter: '{b}: {c}',
          backgroundColor: 'rgba(255,255,255,0.82)',
          padding: [1, 3],
          borderRadius: 2,
        },
        // Small stages side by side (screen failures, not treated) would print over each other:
        // the smaller label gives way; the tooltip still names every node.
        labelLayout: { hideOverlap: true },
        lineStyle: { color: 'gradient', opacity: 0.35, curveness: 0.5 },
        data: nodes.map((name) => ({ name, itemStyle: { color: COLORS[name] ?? REASON_COLOR } })),
        links: links.flatMap(([from, to, value]) => (from === null ? [] : [{ source: from, target: to, value }])),
      },
    ],
  });
}

/** Stages that run down the left of a CONSORT diagram; the others branch off to the right. */
const MAIN_PATH = new Set<string>([STAGES.screened, STAGES.enrolled, STAGES.treated, STAGES.completed]);
const BOX_WIDTH = 200;
const LINE_HEIGHT = 15;
const PADDING = 10;

/**
 * CONSORT-style boxes: a graph series with fixed positions, a level per step, the main path on the
 * left, exclusions to the right, discontinuation reasons listed in the Discontinued box.
 */
export function consortOption(links: FlowLink[]): Record<string, unknown> {
  const values = nodeValues(links);
  const level = new Map<string, number>();
  const reasons: FlowLink[] = [];
  for (const link of links) {
    const [from, to] = link;
    if (from === STAGES.discontinued) {
      reasons.push(link);
      continue;
    }
    level.set(to, Math.max(level.get(to) ?? 0, from === null ? 0 : (level.get(from) ?? 0) + 1));
  }
  const columns = new Map<number, number>();
  const nodes = [...level].map(([name, depth]) => {
    const column = MAIN_PATH.has(name) ? 0 : (columns.get(depth) ?? 0) + 1;
    if (!MAIN_PATH.has(name)) columns.set(depth, column);
    const lines = [
      name,
      `n = ${values.get(name) ?? 0}`,
      ...(name === STAGES.discontinued ? reasons.map(([, reason, n]) => `${reason}: ${n}`) : []),
    ];
    const height = 2 * PADDING + LINE_HEIGHT * lines.length;
    return {
      name,
      depth,
      height,
      x: column * (BOX_WIDTH + 40),
      y: depth * 110,
      // The box is the label's (a stretched symbol would draw its sides thicker than its top); the
      // invisible symbol of the same size is what the arrows stop at.
      symbol: 'rect',
      symbolSize: [BOX_WIDTH, height],
      itemStyle: { color: 'transparent', borderWidth: 0 },
      label: {
        show: true,
        position: 'inside' as const,
        color: TEXT_COLORS.strong,
        lineHeight: LINE_HEIGHT,
        width: BOX_WIDTH - 2 * PADDING,
        padding: PADDING,
        align: 'center' as const,
        backgroundColor: '#ffffff',
        borderColor: COLORS[name] ?? BORDER_COLOR,
        borderWidth: 1.5,
        borderRadius: 4,
        formatter: lines.join('\n'),
      },
    };
  });
  // The view places box centres; the margins keep the boxes of the first and last levels inside.
  const deepest = Math.max(0, ...nodes.map((node) => node.depth));
  const halfHeight = (depth: number) => Math.max(0, ...nodes.filter((n) => n.depth === depth).map((n) => n.height / 2));
  return chartOption({
    tooltip: { show: false },
    series: [
      {
        type: 'graph',
        layout: 'none',
        // A uniform scale, so boxes keep their size whatever the levels' spacing.
        preserveAspect: 'contain',
        roam: true,
        top: halfHeight(0) + 8,
        bottom: halfHeight(deepest) + 8,
        left: BOX_WIDTH / 2 + 8,
        right: BOX_WIDTH / 2 + 8,
        edgeSymbol: ['none', 'arrow'],
        edgeSymbolSize: 8,
        lineStyle: { color: BORDER_COLOR, width: 1.2, opacity: 1 },
        data: nodes.map(({ depth: _, height: __, ...node }) => node),
        links: links.flatMap(([from, to]) =>
          from === null || from === STAGES.discontinued ? [] : [{ source: from, target: to }],
        ),
      },
    ],
  });
}
