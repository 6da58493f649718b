import type { Study } from '@cdp/contracts';
import { useQueries, useQuery } from '@tanstack/react-query';
import { Link } from '@tanstack/react-router';
import { Workflow } from 'lucide-react';
import { Card, CardHeader } from '../../../components/ui/card.tsx';
import { EmptyState } from '../../../components/ui/empty-state.tsx';
import { ErrorState } from '../../../components/ui/error-state.tsx';
import { TableSkeleton } from '../../../components/ui/skeleton.tsx';
import { Table, TableBody, TableCell, TableHead, TableHeader, TableRow } from '../../../components/ui/table.tsx';
import { formatRelative } from '../../../lib/format.ts';
import { studiesQuery } from '../../studies/api/studies-api.ts';
import { pipelinesQuery } from '../api/pipelines-api.ts';
import { RunStatusBadge } from './pipeline-bits.tsx';

/** Every study the user can see, with its pipelines: how many, the latest run and how it ended. */
export function AllPipelines() {
  const studies = useQuery(studiesQuery({}));
  const list: Study[] = studies.data?.data.filter((s) => s.status !== 'archived') ?? [];
  const pipelines = useQueries({ queries: list.map((s) => ({ ...pipelinesQuery(s.id), retry: false })) });
  return (
    <Card>
      <CardHeader
        title="Studies and their pipelines"
        description="Open a study to define, run and trace its pipelines."
      />
      {studies.isPending ? (
        <TableSkeleton rows={3} columns={4} />
      ) : studies.isError ? (
        <ErrorState
          error={studies.error}
          what="studies"
          onRetry={() => studies.refetch()}
          retrying={studies.isFetching}
        />
      ) : list.length === 0 ? (
        <EmptyState
          icon={Workflow}
          title="No studies yet"
          description="Pipelines belong to a study: create one first."
        />
      ) : (
        <Table>
          <TableHeader>
            <TableRow>
              <TableHead>Study</TableHead>
              <TableHead className="text-right">Pipelines</TableHead>
              <TableHead>Latest run</TableHead>
              <TableHead className="text-right">Failed last run</TableHead>
            </TableRow>
          </TableHeader>
          <TableBody>
            {list.map((study, i) => {
              const result = pipelines[i];
              const items = result?.data?.data ?? [];
              const runs = items.flatMap((p) => (p.lastRun ? [{ run: p.lastRun, pipeline: p }] : []));
              const latest = runs.sort((a, b) => b.run.queuedAt.localeCompare(a.run.queuedAt))[0];
              const failed = items.filter((p) => p.lastRun?.status === 'FAILED').length;
              return (
                <TableRow key={study.id}>
                  <TableCell>
                    <Link
                      to="/studies/$studyId/pipelines"
                      params={{ studyId: study.id }}
                      className="font-mono text-xs font-semibold text-primary hover:underline"
                    >
                      {study.code}
                    </Link>
                    <div className="line-clamp-1 max-w-96 text-xs text-muted-foreground" title={study.name}>
                      {study.name}
                    </div>
                  </TableCell>
                  <TableCell className="text-right tabular-nums">
                    {result?.isPending ? '…' : result?.isError ? '—' : items.length}
                  </TableCell>
                  <TableCell>
                    {latest ? (
                      <span className="inline-flex flex-wrap items-center gap-2">
                        <RunStatusBadge status={latest.run.status} />
                        <span className="text-[13px]">{latest.pipeline.name}</span>
                        <span className="text-xs text-muted-foreground">{formatRelative(latest.run.queuedAt)}</span>
                      </span>
                    ) : (
                      <span className="text-muted-foreground">
                        {result?.isError ? 'No access to pipelines' : 'No runs yet'}
                      </span>
                    )}
                  </TableCell>
                  <TableCell className="text-right tabular-nums">{result?.data ? failed : '—'}</TableCell>
                </TableRow>
              );
            })}
          </TableBody>
        </Table>
      )}
    </Card>
  );
}
