import { FINISHED_RUN_STATUSES, type PipelineRunDetail, type Study } from '@cdp/contracts';
import { useMutation, useQuery, useQueryClient } from '@tanstack/react-query';
import { Link } from '@tanstack/react-router';
import { Ban, Pencil, Table2 } from 'lucide-react';
import { useEffect, useRef, useState } from 'react';
import { Alert } from '../../../../components/ui/alert.tsx';
import { Button } from '../../../../components/ui/button.tsx';
import { Card, CardHeader } from '../../../../components/ui/card.tsx';
import { ConfirmDialog } from '../../../../components/ui/confirm-dialog.tsx';
import { ErrorState } from '../../../../components/ui/error-state.tsx';
import { PageHeader } from '../../../../components/ui/page-header.tsx';
import { Skeleton } from '../../../../components/ui/skeleton.tsx';
import { Table, TableBody, TableCell, TableHead, TableHeader, TableRow } from '../../../../components/ui/table.tsx';
import { toast } from '../../../../components/ui/toaster.tsx';
import { errorMessage } from '../../../../lib/api-error.ts';
import { cn } from '../../../../lib/cn.ts';
import { formatDateTime, plural } from '../../../../lib/format.ts';
import {
  cancelRun,
  pipelineKeys,
  pipelineOutputQuery,
  pipelineQuery,
  pipelineRunQuery,
} from '../../api/pipelines-api.ts';
import { useRunEvents } from '../../hooks/use-run-events.ts';
import { countStepsFromOne } from '../../lib/issues.ts';
import { PipelinesBreadcrumb, RunStatusBadge, runBy, runDuration, TRIGGER_LABELS } from '../pipeline-bits.tsx';
import { LineageView } from './lineage-view.tsx';

function useNow(active: boolean) {
  const [now, setNow] = useState(Date.now());
  useEffect(() => {
    if (!active) return;
    const t = setInterval(() => setNow(Date.now()), 1000);
    return () => clearInterval(t);
  }, [active]);
  return now;
}

function ProgressBar({ run }: { run: PipelineRunDetail }) {
  const finished = FINISHED_RUN_STATUSES.includes(run.status);
  const percent = run.status === 'SUCCEEDED' ? 100 : Math.max(0, Math.min(100, run.progress?.percent ?? 0));
  const queued = run.status === 'QUEUED';
  return (
    <div className="space-y-1.5">
      <div
        role="progressbar"
        aria-label="Run progress"
        aria-valuemin={0}
        aria-valuemax={100}
        aria-valuenow={queued ? undefined : Math.round(percent)}
        className="relative h-2 overflow-hidden rounded-full bg-surface-sunken"
      >
        {queued ? (
          <div className="absolute inset-y-0 w-1/3 animate-indeterminate rounded-full bg-slate-300" />
        ) : (
          <div
            className={cn(
              'h-full rounded-full transition-[width] duration-500',
              run.status === 'FAILED' ? 'bg-destructive' : run.status === 'CANCELLED' ? 'bg-slate-400' : 'bg-primary',
            )}
            style={{ width: `${percent}%` }}
          />
        )}
      </div>
      <p className="flex flex-wrap justify-between gap-2 text-xs text-muted-foreground tabular-nums" aria-live="polite">
        <span>
          {queued
            ? 'Waiting for a worker…'
            : run.progress
              ? `Step ${run.progress.step} of ${run.progress.steps}${run.progress.message ? ` · ${run.progress.message}` : ''}`
              : finished
                ? ''
                : 'Starting…'}
        </span>
        <span>
          {run.progress?.rows !== null && run.progress?.rows !== undefined
            ? `${plural(run.progress.rows, 'row')} · `
            : ''}
          {queued ? '' : `${Math.round(percent)}%`}
        </span>
      </p>
    </div>
  );
}

function LogPanel({ run, live }: { run: PipelineRunDetail; live: boolean }) {
  const box = useRef<HTMLDivElement>(null);
  const stick = useRef(true);
  // biome-ignore lint/correctness/useExhaustiveDependencies: follows new lines
  useEffect(() => {
    const el = box.current;
    if (el && stick.current) el.scrollTop = el.scrollHeight;
  }, [run.log.length]);
  return (
    <Card>
      <CardHeader
        title="Log"
        description={live ? 'Live: lines appear as the run writes them.' : `${plural(run.log.length, 'line')}.`}
      />
      <div
        ref={box}
        onScroll={(e) => {
          const el = e.currentTarget;
          stick.current = el.scrollHeight - el.scrollTop - el.clientHeight < 24;
        }}
        className="max-h-[26rem] overflow-auto bg-slate-950 px-4 py-3 font-mono text-xs leading-relaxed text-slate-200"
        role="log"
        aria-label="Run log"
        aria-live="polite"
      >
        {run.log.length === 0 ? (
          <p className="text-slate-400">{live ? 'Waiting for the first line…' : 'No log lines.'}</p>
        ) : (
          run.log.map((line) => (
            <p key={line.seq} className="grid grid-cols-[auto_auto_1fr] gap-x-3" data-level={line.level}>
              <time className="text-slate-500" dateTime={line.at}>
                {new Date(line.at).toLocaleTimeString(undefined, { hour12: false })}
              </time>
              <span className="text-slate-500">{line.step !== null ? `step ${line.step + 1}` : '      '}</span>
              <span
                className={cn(
                  'break-words whitespace-pre-wrap',
                  line.level === 'error' && 'text-red-300',
                  line.level === 'warn' && 'text-amber-300',
                )}
              >
                {line.message}
              </span>
            </p>
          ))
        )}
      </div>
    </Card>
  );
}

function OutputsCard({ studyId, outputId }: { studyId: string; outputId: string }) {
  const query = useQuery(pipelineOutputQuery(studyId, outputId));
  return (
    <Card aria-label="Outputs">
      <CardHeader
        title="Outputs"
        description={
          query.data
            ? `Output version ${query.data.data.label}: open a dataset to view, filter and download it.`
            : undefined
        }
      />
      {query.isPending ? (
        <Skeleton className="m-5 h-20 rounded-md" />
      ) : query.isError ? (
        <ErrorState error={query.error} what="the outputs" onRetry={() => query.refetch()} />
      ) : (
        <Table>
          <TableHeader>
            <TableRow>
              <TableHead>Dataset</TableHead>
              <TableHead className="text-right">Rows</TableHead>
              <TableHead className="text-right">Columns</TableHead>
              <TableHead>SHA-256</TableHead>
            </TableRow>
          </TableHeader>
          <TableBody>
            {query.data.data.datasets.map((d) => (
              <TableRow key={d.name}>
                <TableCell>
                  <Link
                    to="/studies/$studyId/data/versions/$versionId/$dataset"
                    params={{ studyId, versionId: outputId, dataset: d.name }}
                    className="inline-flex items-center gap-1.5 font-mono text-xs font-semibold text-primary hover:underline"
                  >
                    <Table2 className="size-3.5" aria-hidden />
                    {d.name}
                  </Link>
                </TableCell>
                <TableCell className="text-right tabular-nums">{d.rows.toLocaleString()}</TableCell>
                <TableCell className="text-right tabular-nums">{d.columns.length}</TableCell>
                <TableCell className="max-w-40">
                  <span className="block truncate font-mono text-xs text-muted-foreground" title={d.sha256}>
                    {d.sha256}
                  </span>
                </TableCell>
              </TableRow>
            ))}
          </TableBody>
        </Table>
      )}
    </Card>
  );
}

/** One run: live progress and log while it runs, cancel, the error naming the step, the outputs and their lineage. */
export function RunView({ study, pipelineId, runId }: { study: Study; pipelineId: string; runId: string }) {
  const queryClient = useQueryClient();
  const pipeline = useQuery(pipelineQuery(study.id, pipelineId));
  const query = useQuery(pipelineRunQuery(study.id, pipelineId, runId));
  const stream = useRunEvents(study.id, pipelineId, query.data);
  const [confirming, setConfirming] = useState(false);
  const run = query.data?.data;
  const finished = run ? FINISHED_RUN_STATUSES.includes(run.status) : true;
  const now = useNow(!finished);
  const cancel = useMutation({
    mutationFn: () => cancelRun(study.id, pipelineId, runId),
    onSuccess: (result) => {
      queryClient.setQueryData(pipelineKeys.run(study.id, pipelineId, runId), (current: typeof query.data) =>
        current ? { ...current, data: { ...current.data, ...result.data, log: current.data.log } } : result,
      );
      toast.success('Cancel requested: the run stops at once');
    },
    onError: (error) => toast.error('The run was not cancelled', { description: errorMessage(error) }),
  });
  const name = pipeline.data?.data.name ?? 'Pipeline';
  const params = { studyId: study.id, pipelineId };
  const header = (
    <PipelinesBreadcrumb
      study={study}
      trail={[
        <Link
          key="p"
          to="/studies/$studyId/pipelines/$pipelineId"
          params={params}
          className="hover:text-foreground hover:underline"
        >
          {name}
        </Link>,
        'Run',
      ]}
    />
  );

  if (query.isPending) {
    return (
      <div role="status" aria-label="Loading the run">
        <Skeleton className="mb-3 h-4 w-72" />
        <Skeleton className="mb-8 h-7 w-64" />
        <Skeleton className="h-48 rounded-lg" />
      </div>
    );
  }
  if (query.isError || !run) {
    return (
      <>
        <PageHeader eyebrow={header} title="Run" />
        <Card>
          <ErrorState error={query.error} what="the run" onRetry={() => query.refetch()} retrying={query.isFetching} />
        </Card>
      </>
    );
  }
  const canCancel = query.data.permissions.includes('pipeline:execute:assigned') && !finished;
  const canEdit = query.data.permissions.includes('pipeline:configure:assigned');

  return (
    <>
      <PageHeader
        eyebrow={header}
        title={
          <span className="flex flex-wrap items-center gap-3">
            Run of {name}
            <RunStatusBadge status={run.status} />
          </span>
        }
        description={`${TRIGGER_LABELS[run.trigger]}${run.trigger === 'manual' ? ` by ${runBy(run)}` : ''} · pipeline version ${run.pipelineVersion} · queued ${formatDateTime(run.queuedAt, true)}`}
        actions={
          canCancel ? (
            <Button
              variant="destructive-outline"
              onClick={() => setConfirming(true)}
              loading={cancel.isPending}
              disabled={run.cancelRequestedAt !== null}
            >
              <Ban />
              {run.cancelRequestedAt ? 'Cancelling…' : 'Cancel run'}
            </Button>
          ) : null
        }
      />
      <div className="space-y-6">
        <Card>
          <div className="space-y-4 px-5 py-4">
            <ProgressBar run={run} />
            <dl className="grid gap-4 text-[13px] sm:grid-cols-4">
              <div>
                <dt className="text-xs text-muted-foreground">Started</dt>
                <dd>{run.startedAt ? formatDateTime(run.startedAt, true) : '—'}</dd>
              </div>
              <div>
                <dt className="text-xs text-muted-foreground">Finished</dt>
                <dd>{run.finishedAt ? formatDateTime(run.finishedAt, true) : '—'}</dd>
              </div>
              <div>
                <dt className="text-xs text-muted-foreground">Duration</dt>
                <dd className="tabular-nums">{runDuration(run, now) ?? '—'}</dd>
              </div>
              <div>
                <dt className="text-xs text-muted-foreground">Attempts</dt>
                <dd className="tabular-nums">{run.attempts}</dd>
              </div>
            </dl>
            {stream === 'reconnecting' ? (
              <p className="text-xs text-warning-soft-foreground">Connection lost; reconnecting to the live log…</p>
            ) : null}
          </div>
        </Card>
        {run.status === 'FAILED' && run.error ? (
          <Alert tone="danger" title={run.error.step !== null ? `Step ${run.error.step + 1} failed` : 'The run failed'}>
            <p>{countStepsFromOne(run.error.message)}</p>
            {run.error.path ? <p className="font-mono text-xs">{run.error.path}</p> : null}
            {run.error.kind === 'definition' && canEdit ? (
              <Link
                to="/studies/$studyId/pipelines/$pipelineId/edit"
                params={params}
                className="mt-1 inline-flex items-center gap-1 font-medium underline underline-offset-4"
              >
                <Pencil className="size-3.5" aria-hidden />
                Fix the pipeline
              </Link>
            ) : null}
          </Alert>
        ) : null}
        {run.status === 'CANCELLED' ? (
          <Alert tone="info" title="Cancelled">
            The run was stopped{run.finishedAt ? ` at ${formatDateTime(run.finishedAt, true)}` : ''}. It left no output
            version and no files.
          </Alert>
        ) : null}
        {run.status === 'SUCCEEDED' && run.outputVersionId ? (
          <>
            <OutputsCard studyId={study.id} outputId={run.outputVersionId} />
            <LineageView studyId={study.id} outputId={run.outputVersionId} />
          </>
        ) : null}
        <LogPanel run={run} live={!finished} />
      </div>
      <ConfirmDialog
        open={confirming}
        onOpenChange={setConfirming}
        title="Cancel this run?"
        description="The work stops at once. A cancelled run writes no output; you can start a new run at any time."
        confirmLabel="Cancel run"
        tone="destructive"
        onConfirm={async () => {
          await cancel.mutateAsync();
        }}
      />
    </>
  );
}
