import type { DatasetLineage, LineageNode } from '@cdp/contracts';
import { useQuery } from '@tanstack/react-query';
import { Link } from '@tanstack/react-router';
import { ArrowDown, ArrowRight, Database, GitBranch, PlayCircle, Table2 } from 'lucide-react';
import { Fragment } from 'react';
import { Card, CardHeader } from '../../../../components/ui/card.tsx';
import { ErrorState } from '../../../../components/ui/error-state.tsx';
import { Skeleton } from '../../../../components/ui/skeleton.tsx';
import { cn } from '../../../../lib/cn.ts';
import { formatDateTime } from '../../../../lib/format.ts';
import { lineageQuery } from '../../api/pipelines-api.ts';
import { pipelineIdOf, readBy, shownDatasets, text } from '../../lib/lineage.ts';

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

function NodeTitle({ node, lineage, studyId }: { node: LineageNode; lineage: DatasetLineage; studyId: string }) {
  const className = 'mt-1 block text-[13px] font-medium break-words';
  const pipelineId = pipelineIdOf(node, lineage);
  if (node.kind === 'run' && pipelineId) {
    const when = text(node.detail.startedAt);
    // The server's label carries the ISO instant; a person reads the date as the rest of the page writes it.
    const label = when ? `Run of ${formatDateTime(when, true)}` : 'Run';
    return (
      <Link
        to="/studies/$studyId/pipelines/$pipelineId/runs/$runId"
        params={{ studyId, pipelineId, runId: node.id }}
        className={cn(className, 'text-primary hover:underline')}
        title={label}
      >
        {label}
      </Link>
    );
  }
  if (node.kind === 'pipeline_version' && pipelineId) {
    return (
      <Link
        to="/studies/$studyId/pipelines/$pipelineId"
        params={{ studyId, pipelineId }}
        search={{ tab: 'history' }}
        className={cn(className, 'text-primary hover:underline')}
        title={node.label}
      >
        {node.label}
      </Link>
    );
  }
  return (
    <p className={className} title={node.label}>
      {node.label}
    </p>
  );
}

function NodeCard({
  node,
  lineage,
  studyId,
  root,
}: {
  node: LineageNode;
  lineage: DatasetLineage;
  studyId: string;
  root: boolean;
}) {
  const kind = KIND[node.kind];
  const { names, more } = shownDatasets(node, lineage);
  return (
    <div
      className={cn('min-w-0 rounded-md border px-3 py-2.5', kind.tone, root && 'ring-2 ring-primary/40')}
      data-lineage-node={node.kind}
    >
      <p className="flex items-center gap-1.5 text-[11px] font-semibold tracking-wide text-muted-foreground uppercase">
        <kind.Icon className="size-3.5" aria-hidden />
        {kind.label}
      </p>
      <NodeTitle node={node} lineage={lineage} studyId={studyId} />
      {node.kind === 'source_version' || node.kind === 'output_version' ? (
        names.length > 0 ? (
          <p className="mt-0.5 flex flex-wrap gap-x-1.5 font-mono text-xs">
            {names.map((name) => (
              <Link
                key={name}
                to="/studies/$studyId/data/versions/$versionId/$dataset"
                params={{ studyId, versionId: node.id, dataset: name }}
                className="text-primary hover:underline"
              >
                {name}
              </Link>
            ))}
            {more > 0 ? (
              <span className="font-sans text-muted-foreground">
                {node.kind === 'source_version' ? `· ${more} others not read` : `+${more}`}
              </span>
            ) : null}
          </p>
        ) : null
      ) : node.kind === 'pipeline_version' && readBy(node, lineage).length > 0 ? (
        <p className="text-xs text-muted-foreground">
          reads <span className="font-mono">{readBy(node, lineage).join(', ')}</span>
        </p>
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
        <LineageSteps lineage={query.data} studyId={studyId} />
      )}
    </Card>
  );
}

/**
 * Left to right while it fits (up to four columns: one pipeline); a chain of pipelines runs top to
 * bottom instead, where every label can be read whole, rather than seven columns of cut names.
 */
function LineageSteps({ lineage, studyId }: { lineage: DatasetLineage; studyId: string }) {
  const columns = layers(lineage);
  const across = columns.length <= 4;
  return (
    <ol
      className={cn('flex flex-col items-stretch gap-2 px-5 py-4', across && 'md:flex-row md:items-center')}
      aria-label="Lineage steps"
    >
      {columns.map((layer, i) => (
        <Fragment key={layer.map((n) => n.key).join()}>
          {i > 0 ? (
            <li aria-hidden className={cn('flex justify-center text-muted-foreground', across && 'md:block')}>
              <ArrowRight className={cn('hidden size-4', across && 'md:block')} />
              <ArrowDown className={cn('size-4', across && 'md:hidden')} />
            </li>
          ) : null}
          <li className={cn('flex min-w-0 flex-1 gap-2', across ? 'flex-col' : 'flex-col sm:flex-row')}>
            {layer.map((node) => (
              <div key={node.key} className="min-w-0 flex-1">
                <NodeCard node={node} lineage={lineage} studyId={studyId} root={node.key === lineage.root} />
              </div>
            ))}
          </li>
        </Fragment>
      ))}
    </ol>
  );
}
