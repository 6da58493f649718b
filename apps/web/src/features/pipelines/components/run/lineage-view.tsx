import type { DatasetLineage, LineageNode } from '@cdp/contracts';
import { useQuery } from '@tanstack/react-query';
import { Link } from '@tanstack/react-router';
import { ArrowDown, ArrowRight, Database, GitBranch, PlayCircle, Table2 } from 'lucide-react';
import { Fragment } from 'react';
import { Card, CardHeader } from '../../../../components/ui/card.tsx';
import { ErrorState } from '../../../../components/ui/error-state.tsx';
import { Skeleton } from '../../../../components/ui/skeleton.tsx';
import { cn } from '../../../../lib/cn.ts';
import { lineageQuery } from '../../api/pipelines-api.ts';

const KIND = {
  source_version: { label: 'Source version', Icon: Database, tone: 'border-slate-300 bg-surface-muted' },
  pipeline_version: { label: 'Pipeline version', Icon: GitBranch, tone: 'border-teal-200 bg-primary-soft' },
  run: { label: 'Run', Icon: PlayCircle, tone: 'border-blue-200 bg-info-soft' },
  output_version: { label: 'Output version', Icon: Table2, tone: 'border-emerald-200 bg-success-soft' },
} as const;

/** Columns of the graph: each node one column after the furthest node that feeds it. */
export function layers(lineage: DatasetLineage): LineageNode[][] {
  const depth = new Map<string, number>();
  const incoming = new Map<string, string[]>();
  for (const e of lineage.edges) incoming.set(e.to, [...(incoming.get(e.to) ?? []), e.from]);
  const visit = (key: string, seen: Set<string>): number => {
    const known = depth.get(key);
    if (known !== undefined) return known;
    if (seen.has(key)) return 0;
    seen.add(key);
    const d = Math.max(-1, ...(incoming.get(key) ?? []).map((k) => visit(k, seen))) + 1;
    depth.set(key, d);
    return d;
  };
  for (const n of lineage.nodes) visit(n.key, new Set());
  const out: LineageNode[][] = [];
  for (const n of lineage.nodes) {
    const d = depth.get(n.key) ?? 0;
    out[d] = [...(out[d] ?? []), n];
  }
  return out.filter(Boolean);
}

function datasetsOf(node: LineageNode): string[] {
  const d = node.detail.datasets;
  return Array.isArray(d)
    ? d.map((x) => (typeof x === 'string' ? x : String((x as { name?: unknown }).name ?? '')))
    : [];
}

function NodeCard({ node, studyId, root }: { node: LineageNode; studyId: string; root: boolean }) {
  const kind = KIND[node.kind];
  const datasets = datasetsOf(node);
  return (
    <div
      className={cn('min-w-0 rounded-md border px-3 py-2.5', kind.tone, root && 'ring-2 ring-primary/40')}
      data-lineage-node={node.kind}
    >
      <p className="flex items-center gap-1.5 text-[11px] font-semibold tracking-wide text-muted-foreground uppercase">
        <kind.Icon className="size-3.5" aria-hidden />
        {kind.label}
      </p>
      <p className="mt-1 truncate text-[13px] font-medium" title={node.label}>
        {node.label}
      </p>
      {node.kind === 'source_version' || node.kind === 'output_version' ? (
        datasets.length > 0 ? (
          <p className="mt-0.5 flex flex-wrap gap-x-1.5 font-mono text-xs">
            {datasets.slice(0, 8).map((name) => (
              <Link
                key={name}
                to="/studies/$studyId/data/versions/$versionId/$dataset"
                params={{ studyId, versionId: node.id, dataset: name }}
                className="text-primary hover:underline"
              >
                {name}
              </Link>
            ))}
            {datasets.length > 8 ? <span className="text-muted-foreground">+{datasets.length - 8}</span> : null}
          </p>
        ) : null
      ) : typeof node.detail.status === 'string' ? (
        <p className="text-xs text-muted-foreground">{String(node.detail.status).toLowerCase()}</p>
      ) : null}
    </div>
  );
}

/** "Where does this dataset come from": source version → pipeline version → run → output, left to right. */
export function LineageView({ studyId, outputId }: { studyId: string; outputId: string }) {
  const query = useQuery(lineageQuery(studyId, outputId));
  return (
    <Card aria-label="Lineage">
      <CardHeader
        title="Lineage"
        description="Where this output comes from: the data it read, the pipeline version and the run that wrote it."
      />
      {query.isPending ? (
        <Skeleton className="m-5 h-24 rounded-md" />
      ) : query.isError ? (
        <ErrorState
          error={query.error}
          what="the lineage"
          onRetry={() => query.refetch()}
          retrying={query.isFetching}
        />
      ) : (
        <ol
          className="flex flex-col items-stretch gap-2 px-5 py-4 md:flex-row md:items-center"
          aria-label="Lineage steps"
        >
          {layers(query.data).map((layer, i) => (
            <Fragment key={layer.map((n) => n.key).join()}>
              {i > 0 ? (
                <li aria-hidden className="flex justify-center text-muted-foreground md:block">
                  <ArrowRight className="hidden size-4 md:block" />
                  <ArrowDown className="size-4 md:hidden" />
                </li>
              ) : null}
              <li className="flex min-w-0 flex-1 flex-col gap-2">
                {layer.map((node) => (
                  <NodeCard key={node.key} node={node} studyId={studyId} root={node.key === query.data.root} />
                ))}
              </li>
            </Fragment>
          ))}
        </ol>
      )}
    </Card>
  );
}
