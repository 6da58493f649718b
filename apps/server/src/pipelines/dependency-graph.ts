/**
 * Chained pipelines: a pipeline whose inputs are another pipeline's outputs depends on it. The
 * graph must stay acyclic (a save that would close a cycle is refused, naming it), and runs after
 * an upstream success follow the dependency order.
 */

export interface PipelineNode {
  id: string;
  name: string;
  /** Ids of the pipelines whose outputs this one reads. */
  upstream: string[];
}

/** The first cycle found, as names in order with the first repeated at the end (`A → B → A`), or null. */
export function findCycle(nodes: PipelineNode[]): string[] | null {
  const byId = new Map(nodes.map((n) => [n.id, n]));
  const state = new Map<string, 'visiting' | 'done'>();
  const path: string[] = [];

  const visit = (id: string): string[] | null => {
    const seen = state.get(id);
    if (seen === 'done') return null;
    if (seen === 'visiting') {
      const from = path.indexOf(id);
      return [...path.slice(from), id].map((n) => byId.get(n)?.name ?? n);
    }
    const node = byId.get(id);
    if (!node) return null;
    state.set(id, 'visiting');
    path.push(id);
    for (const up of node.upstream) {
      const cycle = visit(up);
      if (cycle) return cycle;
    }
    path.pop();
    state.set(id, 'done');
    return null;
  };

  for (const node of [...nodes].sort((a, b) => a.name.localeCompare(b.name))) {
    const cycle = visit(node.id);
    if (cycle) return cycle.reverse();
  }
  return null;
}

/**
 * The pipelines that read `id`'s outputs, directly or through others, in an order where every
 * pipeline comes after all of its upstream ones that are also in the list.
 */
export function downstreamOrder(nodes: PipelineNode[], id: string): string[] {
  const readers = new Map<string, string[]>();
  for (const node of nodes) {
    for (const up of node.upstream) readers.set(up, [...(readers.get(up) ?? []), node.id]);
  }
  const reached = new Set<string>();
  const queue = [...(readers.get(id) ?? [])];
  while (queue.length > 0) {
    const next = queue.shift() as string;
    if (reached.has(next) || next === id) continue;
    reached.add(next);
    queue.push(...(readers.get(next) ?? []));
  }
  const byId = new Map(nodes.map((n) => [n.id, n]));
  const ordered: string[] = [];
  const placed = new Set<string>();
  const place = (n: string) => {
    if (placed.has(n) || !reached.has(n)) return;
    placed.add(n);
    for (const up of byId.get(n)?.upstream ?? []) place(up);
    ordered.push(n);
  };
  for (const n of [...reached].sort()) place(n);
  return ordered;
}
