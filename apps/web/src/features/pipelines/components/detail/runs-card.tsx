import type { PipelineRun } from '@cdp/contracts';
import { useQuery } from '@tanstack/react-query';
import { Link } from '@tanstack/react-router';
import { History } from 'lucide-react';
import { Card, CardHeader } from '../../../../components/ui/card.tsx';
import { EmptyState } from '../../../../components/ui/empty-state.tsx';
import { ErrorState } from '../../../../components/ui/error-state.tsx';
import { TableSkeleton } from '../../../../components/ui/skeleton.tsx';
import { Table, TableBody, TableCell, TableHead, TableHeader, TableRow } from '../../../../components/ui/table.tsx';
import { formatDateTime, formatRelative } from '../../../../lib/format.ts';
import { pipelineRunsQuery } from '../../api/pipelines-api.ts';
import { RunStatusBadge, runBy, runDuration } from '../pipeline-bits.tsx';

/** Every run of the pipeline, newest first: status, when, who or what started it, how long, which version. */
export function RunsCard({ studyId, pipelineId }: { studyId: string; pipelineId: string }) {
  const query = useQuery({
    ...pipelineRunsQuery(studyId, pipelineId),
    // While a run is under way the list follows it.
    refetchInterval: (q) =>
      q.state.data?.data.some((r: PipelineRun) => r.status === 'QUEUED' || r.status === 'RUNNING') ? 3000 : false,
  });
  return (
    <Card>
      <CardHeader title="Run history" description="Every run, newest first. Open one for its log and outputs." />
      {query.isPending ? (
        <TableSkeleton rows={3} columns={6} />
      ) : query.isError ? (
        <ErrorState error={query.error} what="the runs" onRetry={() => query.refetch()} retrying={query.isFetching} />
      ) : query.data.data.length === 0 ? (
        <EmptyState
          icon={History}
          title="No runs yet"
          description="Run the pipeline to produce its first output version."
        />
      ) : (
        <Table aria-label="Runs">
          <TableHeader>
            <TableRow>
              <TableHead>Run</TableHead>
              <TableHead>Status</TableHead>
              <TableHead>Started by</TableHead>
              <TableHead>Version</TableHead>
              <TableHead className="text-right">Duration</TableHead>
              <TableHead>Result</TableHead>
            </TableRow>
          </TableHeader>
          <TableBody>
            {query.data.data.map((run) => (
              <TableRow key={run.id}>
                <TableCell>
                  <Link
                    to="/studies/$studyId/pipelines/$pipelineId/runs/$runId"
                    params={{ studyId, pipelineId, runId: run.id }}
                    className="font-medium whitespace-nowrap text-primary hover:underline"
                  >
                    <time dateTime={run.queuedAt} title={formatDateTime(run.queuedAt, true)}>
                      {formatDateTime(run.queuedAt)}
                    </time>
                  </Link>
                  <p className="text-xs text-muted-foreground">{formatRelative(run.queuedAt)}</p>
                </TableCell>
                <TableCell>
                  <RunStatusBadge status={run.status} />
                </TableCell>
                <TableCell className="text-[13px]">{runBy(run)}</TableCell>
                <TableCell className="text-[13px] tabular-nums">v{run.pipelineVersion}</TableCell>
                <TableCell className="text-right text-[13px] tabular-nums">{runDuration(run) ?? '—'}</TableCell>
                <TableCell className="max-w-80 text-[13px]">
                  {run.status === 'FAILED' && run.error ? (
                    <p className="truncate text-destructive" title={run.error.message}>
                      {run.error.step !== null ? `Step ${run.error.step + 1}: ` : ''}
                      {run.error.message}
                    </p>
                  ) : run.status === 'SUCCEEDED' && run.outputVersionId ? (
                    <span className="text-muted-foreground">Output version written</span>
                  ) : run.progress ? (
                    <span className="text-muted-foreground tabular-nums">
                      Step {run.progress.step} of {run.progress.steps} · {Math.round(run.progress.percent)}%
                    </span>
                  ) : (
                    <span className="text-muted-foreground">—</span>
                  )}
                </TableCell>
              </TableRow>
            ))}
          </TableBody>
        </Table>
      )}
    </Card>
  );
}
