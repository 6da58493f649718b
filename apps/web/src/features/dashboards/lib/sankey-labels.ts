/** Average width of a character of the chart font at 12 px, for label width estimates. */
const CHAR_PX = 6.8;
/** Room between a node and its label, and a label's padding. */
const LABEL_GAP = 14;
/** ECharts' default node width, kept: a 12 px label turned on its side fits in it. */
const NODE_WIDTH = 20;
/**
 * Vertical room between the nodes of a column: a label (about 15 px tall) of a node of a few
 * subjects sits beside the next one's, in the last column, without touching it.
 */
const NODE_GAP = 14;
/** What a label inside a node keeps clear of the node's ends. */
const INSIDE_PADDING = 4;
/** Font sizes a label inside a node may take: the first that fits its node's height. */
const INSIDE_FONT_SIZES = [12, 11, 10];

interface SankeyNode {
  name: string;
  /** Column, 0 the first; the nodes no flow leaves are in the last. */
  depth: number;
  /** Subjects: the larger of what flows in and what flows out, as ECharts sizes it. */
  value: number;
  sink: boolean;
}

type Link = { source: string; target: string; value: number };

/** The links of a sankey series, as ECharts reads them (`links` or `edges`). */
function linksOf(series: Record<string, unknown>): Link[] {
  const raw = Array.isArray(series.links) ? series.links : Array.isArray(series.edges) ? series.edges : [];
  return raw.flatMap((link) => {
    const { source, target, value } = (link ?? {}) as Record<string, unknown>;
    return typeof source === 'string' && typeof target === 'string'
      ? [{ source, target, value: typeof value === 'number' ? value : 0 }]
      : [];
  });
}

/**
 * The columns and sizes ECharts gives a sankey's nodes with `nodeAlign: 'justify'`: a node's column
 * is one past its deepest source's (a topological walk from the nodes nothing flows into); a node
 * no flow leaves goes to the last column.
 */
export function sankeyNodes(names: string[], links: Link[]): SankeyNode[] {
  const inflow = new Map<string, number>();
  const outflow = new Map<string, number>();
  const sources = new Map<string, string[]>();
  for (const { source, target, value } of links) {
    outflow.set(source, (outflow.get(source) ?? 0) + value);
    inflow.set(target, (inflow.get(target) ?? 0) + value);
    sources.set(target, [...(sources.get(target) ?? []), source]);
  }
  const depth = new Map<string, number>();
  const depthOf = (name: string, seen: Set<string>): number => {
    const known = depth.get(name);
    if (known !== undefined) return known;
    // A cycle is ECharts' error to report ("the original data has cycle"); it is not drawn anyway.
    if (seen.has(name)) return 0;
    seen.add(name);
    const d = Math.max(-1, ...(sources.get(name) ?? []).map((s) => depthOf(s, seen))) + 1;
    depth.set(name, d);
    return d;
  };
  const deepest = Math.max(0, ...names.map((name) => depthOf(name, new Set())));
  return names.map((name) => {
    const sink = !outflow.has(name);
    return {
      name,
      depth: sink ? deepest : (depth.get(name) ?? 0),
      value: Math.max(inflow.get(name) ?? 0, outflow.get(name) ?? 0),
      sink,
    };
  });
}

/**
 * Pixels per subject: the tightest column (its subjects and gaps in the height) sets the scale for
 * all, as ECharts does.
 */
export function sankeyScale(nodes: SankeyNode[], height: number, nodeGap: number): number {
  const columns = new Map<number, { n: number; sum: number }>();
  for (const node of nodes) {
    const column = columns.get(node.depth) ?? { n: 0, sum: 0 };
    columns.set(node.depth, { n: column.n + 1, sum: column.sum + node.value });
  }
  let scale = Number.POSITIVE_INFINITY;
  for (const { n, sum } of columns.values()) {
    if (sum > 0) scale = Math.min(scale, (height - (n - 1) * nodeGap) / sum);
  }
  return Number.isFinite(scale) ? Math.max(0, scale) : 0;
}

const px = (value: unknown, of: number, fallback: number): number => {
  if (typeof value === 'number') return value;
  if (typeof value === 'string' && value.endsWith('%')) return (Number.parseFloat(value) / 100) * of;
  return fallback;
};

/**
 * A sankey's labels laid out for the box it is drawn in, so that none sits on another or on the
 * flows and none is hidden (ECharts' own "hide the overlap" dropped Treated and Discontinued on
 * the pilot data, and the middle columns' labels printed across the flows):
 * - the nodes no flow leaves (screen failures, completed, each discontinuation reason) stand in
 *   the last column, labelled right of it, in a margin as wide as the longest of their labels
 *   needs (at most 42 % of the chart; a longer label is cut with an ellipsis, the tooltip has it);
 * - a node flows leave (screened, enrolled, treated, discontinued) carries its label inside, on
 *   its side, in a smaller font (down to 10 px) where the node is short (the font is chosen by an
 *   estimate of the text's width that errs long, so a chosen size fits); a node too short even
 *   for that has its label whole, past the node's ends, dark with a white halo.
 * The widget cannot do this: its option is built without knowing the size it is drawn at.
 */
export function fitSankeyLabels(
  option: Record<string, unknown>,
  width: number,
  height: number,
): Record<string, unknown> {
  const all = Array.isArray(option.series) ? option.series : option.series ? [option.series] : [];
  if (width <= 0 || height <= 0 || !all.some((s) => (s as { type?: unknown } | null)?.type === 'sankey')) return option;
  const series = all.map((s: Record<string, unknown>) => {
    if (s?.type !== 'sankey' || !Array.isArray(s.data)) return s;
    const items = s.data as Record<string, unknown>[];
    const nodes = sankeyNodes(
      items.map((item) => String(item.name ?? '')),
      linksOf(s),
    );
    const label = (s.label ?? {}) as Record<string, unknown>;
    const text = (node: SankeyNode) => `${node.name}: ${node.value}`;
    const longest = Math.max(0, ...nodes.filter((n) => n.sink).map((n) => text(n).length));
    const right = Math.round(Math.max(60, Math.min(longest * CHAR_PX + LABEL_GAP, width * 0.42)));
    const top = px(s.top, height, 8);
    const bottom = px(s.bottom, height, 8);
    const scale = sankeyScale(nodes, height - top - bottom, NODE_GAP);
    const nodeLabel = (node: SankeyNode) => {
      if (node.sink) return { position: 'right', width: right - LABEL_GAP, overflow: 'truncate' };
      const room = Math.max(0, Math.floor(node.value * scale) - INSIDE_PADDING);
      const fontSize = INSIDE_FONT_SIZES.find((size) => text(node).length * CHAR_PX * (size / 12) <= room);
      // No width: the label's box is its text's, not the node's length (a box as long as the node
      // would collide with the label of a short node beside its end).
      if (fontSize !== undefined)
        return {
          position: 'inside',
          rotate: 90,
          color: '#ffffff',
          backgroundColor: 'transparent',
          padding: 0,
          fontSize,
        };
      // Too short a node for its label even at 10 px (the demo's 55 discontinued of 300): written
      // whole, running past the node's ends, dark with a white halo so that it reads over the node
      // and the flows around it alike, and leaves the node's colour to be seen.
      return {
        position: 'inside',
        rotate: 90,
        color: '#1e293b',
        textBorderColor: '#ffffff',
        textBorderWidth: 3,
        backgroundColor: 'transparent',
        padding: 0,
        fontSize: 11,
      };
    };
    const data = items.map((item, i) => ({
      ...item,
      label: { ...(item.label as Record<string, unknown> | undefined), ...nodeLabel(nodes[i] as SankeyNode) },
    }));
    return {
      ...s,
      nodeAlign: 'justify',
      nodeWidth: NODE_WIDTH,
      nodeGap: NODE_GAP,
      right,
      label: { ...label, position: 'right' },
      // Laid out not to overlap: an overlap left in shows (and fails the layout check) rather
      // than a stage silently missing its label.
      labelLayout: { hideOverlap: false },
      data,
    };
  });
  return { ...option, series };
}
