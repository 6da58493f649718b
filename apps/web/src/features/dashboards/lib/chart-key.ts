import { seriesOf } from './chart-option.ts';
import { sankeyNodes } from './sankey-labels.ts';

/** One line of a chart's key: a slice or a node, its value and (a pie's) share, in its colour. */
export interface ChartKeyItem {
  name: string;
  value: string;
  share?: string;
  color?: string;
  /** Faded in the chart (outside a cross-filter's selection). */
  faded?: boolean;
}

/** What the chart no longer writes beside its slices or nodes, listed under it in HTML. */
export interface ChartKey {
  /** What the items are parts of ("Discontinued: 144"), when not the whole chart. */
  title?: string;
  items: ChartKeyItem[];
}

export interface KeyedChart {
  /** The chart without the labels the key takes over. */
  option: Record<string, unknown>;
  key: ChartKey;
}

/** ECharts' `minShowLabelAngle` of the pie widget: a thinner slice gets no label. */
const PIE_MIN_LABEL_ANGLE = 6;
/** A pie label's name and share on two 13 px lines, with room between labels. */
const PIE_LABEL_PX = 30;
/** Below this chart width, a pie of more slices than `NARROW_PIE_SLICES` has no room for labels beside it. */
const NARROW_PIE_PX = 440;
const NARROW_PIE_SLICES = 5;
/** As `sankey-labels.ts` estimates a 12 px label: average character width, gap to its node, widest margin. */
const SANKEY_CHAR_PX = 6.8;
const SANKEY_LABEL_GAP = 14;
const SANKEY_MARGIN = 0.42;

type Item = Record<string, unknown>;
const asItems = (data: unknown): Item[] =>
  Array.isArray(data) ? data.filter((d): d is Item => typeof d === 'object' && d !== null) : [];
const number = (value: unknown) =>
  typeof value === 'number' ? value.toLocaleString('en-US', { maximumFractionDigits: 3 }) : String(value ?? '–');
const styleOf = (item: Item) => (item.itemStyle ?? {}) as { color?: unknown; opacity?: unknown };

/**
 * Whether a labelled pie leaves some slice without its label: a slice thinner than the label angle,
 * more labels than the height holds on the pie's two sides, or a narrow chart of many slices, where
 * ECharts hides labels that would overlap (the pilot's End of Study Status at 390 px lost its five
 * smallest; at 1440 px its three thinnest).
 */
function pieLeavesLabelsOut(series: Item, width: number, height: number): boolean {
  const values = asItems(series.data).map((item) => (typeof item.value === 'number' ? Math.max(0, item.value) : 0));
  const total = values.reduce((a, b) => a + b, 0);
  if (total <= 0) return false;
  if (values.some((v) => (360 * v) / total < PIE_MIN_LABEL_ANGLE)) return true;
  if (values.length * PIE_LABEL_PX > 2 * height) return true;
  return width < NARROW_PIE_PX && values.length > NARROW_PIE_SLICES;
}

/**
 * A labelled pie that cannot label every slice drawn without labels, larger, with every slice
 * listed under it: name, value and share (the widget's `share`, the precision of its labels), in
 * the slice's colour. A phone reader then reads every slice, not only those with room for a label.
 */
export function pieKey(option: Record<string, unknown>, width: number, height: number): KeyedChart | null {
  const all = seriesOf(option);
  const at = all.findIndex((s) => s.type === 'pie' && (s.label as { show?: unknown } | undefined)?.show === true);
  const pie = all[at];
  if (!pie || width <= 0 || height <= 0 || !pieLeavesLabelsOut(pie, width, height)) return null;
  const palette = Array.isArray(option.color) ? option.color.map(String) : [];
  const items = asItems(pie.data).map((item, i): ChartKeyItem => {
    const style = styleOf(item);
    return {
      name: String(item.name ?? ''),
      value: number(item.value),
      ...(typeof item.share === 'string' ? { share: item.share } : {}),
      ...(typeof style.color === 'string'
        ? { color: style.color }
        : palette.length
          ? { color: palette[i % palette.length] }
          : {}),
      ...(typeof style.opacity === 'number' && style.opacity < 1 ? { faded: true } : {}),
    };
  });
  const donut = Array.isArray(pie.radius) && pie.radius.length === 2 && pie.radius[0] !== 0;
  const unlabelled = {
    ...pie,
    radius: donut ? ['48%', '78%'] : [0, '78%'],
    center: ['50%', '50%'],
    label: { show: false },
    labelLine: { show: false },
  };
  return { option: { ...option, series: all.map((s, i) => (i === at ? unlabelled : s)) }, key: { items } };
}

type Link = { source: string; target: string; value: number };

/**
 * A sankey whose last column's labels would be cut (the pilot's "STUDY TERMINATED BY SPONSOR: 6"
 * needs 204 px where 42 % of the chart gives 143 at 390 px and 176 at 1440): the nodes that share
 * the source of such a node, and end there (discontinuation reasons), are taken out of the chart,
 * their source ends the flow as they did, and they are listed under it with their subjects. The
 * chart keeps its stages; the reasons are read whole instead of as "STUDY TERMINATE…".
 */
export function sankeyKey(option: Record<string, unknown>, width: number): KeyedChart | null {
  const all = seriesOf(option);
  const at = all.findIndex((s) => s.type === 'sankey' && Array.isArray(s.data));
  const sankey = all[at];
  if (!sankey || width <= 0) return null;
  const items = asItems(sankey.data);
  const links = asItems(sankey.links ?? sankey.edges).flatMap((l): Link[] =>
    typeof l.source === 'string' && typeof l.target === 'string'
      ? [{ source: l.source, target: l.target, value: typeof l.value === 'number' ? l.value : 0 }]
      : [],
  );
  const nodes = sankeyNodes(
    items.map((item) => String(item.name ?? '')),
    links,
  );
  const room = width * SANKEY_MARGIN;
  const cut = nodes.filter((n) => n.sink && `${n.name}: ${n.value}`.length * SANKEY_CHAR_PX + SANKEY_LABEL_GAP > room);
  const fed = new Set(links.map((l) => l.target));
  const targetsOf = (name: string) => links.filter((l) => l.source === name).map((l) => l.target);
  const sinks = new Set(nodes.filter((n) => n.sink).map((n) => n.name));
  // The source of a cut label whose flows all end at its targets, fed by one node (a node beside
  // the one feeding it, the demo's "Not treated: 2", would be left short in that column with its
  // label past its ends over its neighbour's), and which is not where the flow starts.
  const feeders = (name: string) => new Set(links.filter((l) => l.target === name).map((l) => l.source)).size;
  const source = cut
    .map((n) => links.find((l) => l.target === n.name)?.source)
    .find(
      (s) =>
        s !== undefined &&
        fed.has(s) &&
        feeders(s) === 1 &&
        targetsOf(s).length > 1 &&
        targetsOf(s).every((t) => sinks.has(t)),
    );
  if (!source) return null;
  const folded = new Set(targetsOf(source));
  const value = nodes.find((n) => n.name === source)?.value ?? 0;
  const byName = new Map(items.map((item) => [String(item.name ?? ''), item]));
  const key: ChartKey = {
    title: `${source}: ${number(value)}`,
    items: links
      .filter((l) => l.source === source)
      .sort((a, b) => b.value - a.value)
      .map((l) => {
        const color = styleOf(byName.get(l.target) ?? {}).color;
        return { name: l.target, value: number(l.value), ...(typeof color === 'string' ? { color } : {}) };
      }),
  };
  // `links` only (ECharts reads `edges` as the same): the folded flows must not come back through it.
  const { edges: _edges, ...rest } = sankey;
  const kept = {
    ...rest,
    data: items.filter((item) => !folded.has(String(item.name ?? ''))),
    links: asItems(sankey.links ?? sankey.edges).filter((l) => !(l.source === source && folded.has(String(l.target)))),
  };
  return { option: { ...option, series: all.map((s, i) => (i === at ? kept : s)) }, key };
}

/** The chart with a key under it where its own labels cannot name every part, or null. */
export function chartKey(option: Record<string, unknown>, width: number, height: number): KeyedChart | null {
  return pieKey(option, width, height) ?? sankeyKey(option, width);
}

/** Whether `chartKey` may give a key for this option (then the chart waits for its box to be known). */
export function mayHaveKey(option: Record<string, unknown>): boolean {
  return seriesOf(option).some((s) => s.type === 'pie' || s.type === 'sankey');
}
