import type { DatasetLineage, LineageNode } from '@cdp/contracts';

function datasetsOf(node: LineageNode): string[] {
  const d = node.detail.datasets;
  return Array.isArray(d)
    ? d.map((x) => (typeof x === 'string' ? x : String((x as { name?: unknown }).name ?? '')))
    : [];
}

export const text = (value: unknown) => (typeof value === 'string' ? value : null);

/**
 * What a node shows of its datasets: an output version all it holds; a source version the ones the
 * pipelines read from it (the edges leaving it say which), not the first eight of everything loaded.
 */
export function shownDatasets(node: LineageNode, lineage: DatasetLineage): { names: string[]; more: number } {
  const all = datasetsOf(node);
  if (node.kind !== 'source_version') return { names: all.slice(0, 8), more: Math.max(0, all.length - 8) };
  const read = new Set(lineage.edges.filter((e) => e.from === node.key).flatMap((e) => e.datasets));
  const names = read.size > 0 ? all.filter((name) => read.has(name)) : all.slice(0, 8);
  return { names, more: all.length - names.length };
}

/** The pipeline a run or pipeline-version node belongs to (a run's comes from the version feeding it). */
export function pipelineIdOf(node: LineageNode, lineage: DatasetLineage): string | null {
  if (node.kind === 'pipeline_version') return text(node.detail.pipelineId) ?? node.id;
  if (node.kind !== 'run') return null;
  const feeding = lineage.edges.find((e) => e.to === node.key && e.from.startsWith('pipeline:'));
  const version = lineage.nodes.find((n) => n.key === feeding?.from);
  return version ? (text(version.detail.pipelineId) ?? version.id) : null;
}

/** The datasets a pipeline version reads, from every edge into it (source datasets and upstream outputs). */
export function readBy(node: LineageNode, lineage: DatasetLineage): string[] {
  return [...new Set(lineage.edges.filter((e) => e.to === node.key).flatMap((e) => e.datasets))];
}
