import type { PipelineSummary } from '@cdp/contracts';
import { useQuery } from '@tanstack/react-query';
import { Link } from '@tanstack/react-router';
import { ArrowRight, Database, Plus, Workflow } from 'lucide-react';
import { Button } from '../../../components/ui/button.tsx';
import { Card, CardHeader } from '../../../components/ui/card.tsx';
import { EmptyState } from '../../../components/ui/empty-state.tsx';
import { ErrorState } from '../../../components/ui/error-state.tsx';
import { PageHeader } from '../../../components/ui/page-header.tsx';
import { TableSkeleton } from '../../../components/ui/skeleton.tsx';
import { Table, TableBody, TableCell, TableHead, TableHeader, TableRow } from '../../../components/ui/table.tsx';
import { formatDateTime, formatRelative } from '../../../lib/format.ts';
import { versionsQuery } from '../../data/api/data-api.ts';
import type { StudyWithPermissions } from '../../studies/api/studies-api.ts';
import { StudyStatusBadge } from '../../studies/components/study-status-badge.tsx';
import { StudyTabs } from '../../studies/components/study-tabs.tsx';
import { pipelinesQuery } from '../api/pipelines-api.ts';
import { nextRun, triggerPhrases } from '../lib/schedule.ts';
import { KindBadge, NeverRun, PipelinesBreadcrumb, RunStatusBadge } from './pipeline-bits.tsx';
import { RunPipelineButton } from './run-button.tsx';

function NextRun({ pipeline }: { pipeline: PipelineSummary }) {
  const schedule = pipeline.triggers.schedule;
  if (!schedule) return <span className="text-muted-foreground">Not scheduled</span>;
  const next = nextRun(schedule.cron, schedule.timeZone);
  if (!next) return <span className="text-muted-foreground">—</span>;
  const iso = next.toISOString();
  return (
    <time dateTime={iso} title={`${formatDateTime(iso)} (your time)`}>
      {new Intl.DateTimeFormat(undefined, {
        dateStyle: 'medium',
        timeStyle: 'short',
        timeZone: schedule.timeZone,
      }).format(next)}
      <span className="block text-xs text-muted-foreground">{schedule.timeZone}</span>
    </time>
  );
}

/** The study's Pipelines tab: every pipeline with its kind, triggers, last run and next scheduled run. */
export function PipelinesOverview({ result }: { result: StudyWithPermissions }) {
  const { data: study, permissions } = result;
  const query = useQuery(pipelinesQuery(study.id));
  const canConfigure =
    (query.data?.meta.permissions ?? permissions).includes('pipeline:configure:assigned') &&
    study.status !== 'archived';
  const canRun = permissions.includes('pipeline:execute:assigned');
  const canSeeData = permissions.includes('data:view:assigned');
  const versions = useQuery({ ...versionsQuery(study.id), enabled: canSeeData });
  const noData = canSeeData && versions.data !== undefined && versions.data.meta.activeVersionId === null;
  const items = query.data?.data ?? [];
  const byId = new Map(items.map((p) => [p.id, p]));

  const newButton = (
    <Button asChild>
      <Link to="/studies/$studyId/pipelines/new" params={{ studyId: study.id }}>
        <Plus />
        New pipeline
      </Link>
    </Button>
  );

  return (
    <>
      <PageHeader
        eyebrow={<PipelinesBreadcrumb study={study} />}
        title={
          <span className="flex flex-wrap items-center gap-3">
            <span className="font-mono">{study.code}</span>
            <StudyStatusBadge status={study.status} />
          </span>
        }
        description={study.name}
        actions={canConfigure && items.length > 0 ? newButton : null}
      />
      <StudyTabs studyId={study.id} permissions={permissions} />
      <Card>
        <CardHeader
          title="Pipelines"
          description="Derivations over the study’s data. Each run writes a new output version you can open like any dataset."
        />
        {query.isPending ? (
          <TableSkeleton rows={3} columns={6} />
        ) : query.isError ? (
          <ErrorState
            error={query.error}
            what="the pipelines"
            onRetry={() => query.refetch()}
            retrying={query.isFetching}
          />
        ) : items.length === 0 ? (
          noData ? (
            <EmptyState
              icon={Database}
              title="No data to transform yet"
              description="Pipelines read the study’s active data version. Upload SDTM or ADaM datasets first."
              action={
                <Button asChild variant="secondary">
                  <Link to="/studies/$studyId/data" params={{ studyId: study.id }}>
                    Go to Data
                  </Link>
                </Button>
              }
            />
          ) : (
            <EmptyState
              icon={Workflow}
              title="No pipelines yet"
              description={
                canConfigure
                  ? 'Build one from steps (filter, derive, merge, pivot), SQL or a Python script, or start from a built-in example. Runs are versioned and traceable to their source data.'
                  : 'Nobody has defined a pipeline for this study yet.'
              }
              action={canConfigure ? newButton : null}
            />
          )
        ) : (
          <Table>
            <TableHeader>
              <TableRow>
                <TableHead>Pipeline</TableHead>
                <TableHead>Kind</TableHead>
                <TableHead>Reads → writes</TableHead>
                <TableHead>Triggers</TableHead>
                <TableHead>Last run</TableHead>
                <TableHead>Next run</TableHead>
                <TableHead>
                  <span className="sr-only">Actions</span>
                </TableHead>
              </TableRow>
            </TableHeader>
            <TableBody>
              {items.map((pipeline) => {
                const upstream = pipeline.inputs.some((i) => i.source.kind === 'pipeline');
                const reads = pipeline.inputs.map((i) =>
                  i.source.kind === 'dataset'
                    ? i.source.dataset
                    : `${byId.get(i.source.pipelineId)?.name ?? 'pipeline'}: ${i.source.output}`,
                );
                return (
                  <TableRow key={pipeline.id} data-pipeline={pipeline.name}>
                    <TableCell className="max-w-72">
                      <Link
                        to="/studies/$studyId/pipelines/$pipelineId"
                        params={{ studyId: study.id, pipelineId: pipeline.id }}
                        className="font-medium text-primary hover:underline"
                      >
                        {pipeline.name}
                      </Link>
                      {pipeline.description ? (
                        <p className="line-clamp-1 text-xs text-muted-foreground" title={pipeline.description}>
                          {pipeline.description}
                        </p>
                      ) : null}
                    </TableCell>
                    <TableCell>
                      <KindBadge kind={pipeline.kind} />
                    </TableCell>
                    <TableCell className="max-w-64">
                      <p
                        className="truncate font-mono text-xs"
                        title={`${reads.join(', ')} → ${pipeline.outputs.join(', ')}`}
                      >
                        {reads.join(', ')}{' '}
                        <ArrowRight className="inline size-3 text-muted-foreground" aria-label="to" />{' '}
                        {pipeline.outputs.join(', ')}
                      </p>
                    </TableCell>
                    <TableCell className="max-w-56 text-[13px]">
                      {triggerPhrases(pipeline.triggers, upstream).map((t) => (
                        <p key={t} className="truncate" title={t}>
                          {t}
                        </p>
                      ))}
                    </TableCell>
                    <TableCell>
                      {pipeline.lastRun ? (
                        <Link
                          to="/studies/$studyId/pipelines/$pipelineId/runs/$runId"
                          params={{ studyId: study.id, pipelineId: pipeline.id, runId: pipeline.lastRun.id }}
                          className="group inline-flex flex-col gap-0.5"
                        >
                          <RunStatusBadge status={pipeline.lastRun.status} />
                          <span className="text-xs text-muted-foreground group-hover:underline">
                            {formatRelative(pipeline.lastRun.finishedAt ?? pipeline.lastRun.queuedAt)}
                          </span>
                        </Link>
                      ) : (
                        <NeverRun />
                      )}
                    </TableCell>
                    <TableCell className="text-[13px] whitespace-nowrap">
                      <NextRun pipeline={pipeline} />
                    </TableCell>
                    <TableCell className="text-right">
                      {canRun ? <RunPipelineButton studyId={study.id} pipeline={pipeline} size="sm" /> : null}
                    </TableCell>
                  </TableRow>
                );
              })}
            </TableBody>
          </Table>
        )}
      </Card>
    </>
  );
}
