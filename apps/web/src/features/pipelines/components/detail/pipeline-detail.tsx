import type { PipelineResource, Study } from '@cdp/contracts';
import { useQuery } from '@tanstack/react-query';
import { Link } from '@tanstack/react-router';
import { ArrowRight, Pencil } from 'lucide-react';
import type { ReactNode } from 'react';
import { Button } from '../../../../components/ui/button.tsx';
import { Card } from '../../../../components/ui/card.tsx';
import { ErrorState } from '../../../../components/ui/error-state.tsx';
import { PageHeader } from '../../../../components/ui/page-header.tsx';
import { Skeleton } from '../../../../components/ui/skeleton.tsx';
import { tabActiveClasses, tabListClasses, tabTriggerClasses } from '../../../../components/ui/tabs.tsx';
import { cn } from '../../../../lib/cn.ts';
import { formatDateTime, formatRelative } from '../../../../lib/format.ts';
import { pipelineQuery } from '../../api/pipelines-api.ts';
import { nextRun, triggerPhrases } from '../../lib/schedule.ts';
import { KindBadge, NeverRun, PipelinesBreadcrumb, RunStatusBadge } from '../pipeline-bits.tsx';
import { RunPipelineButton } from '../run-button.tsx';
import { DefinitionView } from './definition-view.tsx';
import { RunsCard } from './runs-card.tsx';
import { VersionsCard } from './versions-card.tsx';

export type PipelineTab = 'runs' | 'definition' | 'history';

function Fact({ label, children }: { label: string; children: ReactNode }) {
  return (
    <div className="min-w-0 space-y-1">
      <dt className="text-xs font-medium text-muted-foreground">{label}</dt>
      <dd className="text-[13px]">{children}</dd>
    </div>
  );
}

/** One pipeline: what it reads and writes, when it runs, its runs, its definition and its versions. */
export function PipelineDetail({ study, pipelineId, tab }: { study: Study; pipelineId: string; tab: PipelineTab }) {
  const query = useQuery(pipelineQuery(study.id, pipelineId));
  if (query.isPending) {
    return (
      <div role="status" aria-label="Loading the pipeline">
        <Skeleton className="mb-3 h-4 w-72" />
        <Skeleton className="mb-8 h-7 w-64" />
        <Skeleton className="mb-6 h-28 rounded-lg" />
        <Skeleton className="h-64 rounded-lg" />
      </div>
    );
  }
  if (query.isError) {
    return (
      <>
        <PageHeader eyebrow={<PipelinesBreadcrumb study={study} trail={['Pipeline']} />} title="Pipeline" />
        <Card>
          <ErrorState
            error={query.error}
            what="the pipeline"
            onRetry={() => query.refetch()}
            retrying={query.isFetching}
          />
        </Card>
      </>
    );
  }
  return <Loaded study={study} result={query.data} tab={tab} />;
}

function Loaded({ study, result, tab }: { study: Study; result: PipelineResource; tab: PipelineTab }) {
  const { data: pipeline, permissions } = result;
  const canConfigure = permissions.includes('pipeline:configure:assigned') && study.status !== 'archived';
  const canRun = permissions.includes('pipeline:execute:assigned');
  const schedule = pipeline.triggers.schedule;
  const next = schedule ? nextRun(schedule.cron, schedule.timeZone) : null;
  const params = { studyId: study.id, pipelineId: pipeline.id };
  const nameOf = (id: string) => pipeline.upstream.find((u) => u.id === id)?.name ?? 'another pipeline';

  return (
    <>
      <PageHeader
        eyebrow={<PipelinesBreadcrumb study={study} trail={[pipeline.name]} />}
        title={
          <span className="flex flex-wrap items-center gap-3">
            {pipeline.name}
            <KindBadge kind={pipeline.kind} />
          </span>
        }
        description={pipeline.description ?? undefined}
        actions={
          <>
            {canConfigure ? (
              <Button variant="secondary" asChild>
                <Link to="/studies/$studyId/pipelines/$pipelineId/edit" params={params}>
                  <Pencil />
                  Edit
                </Link>
              </Button>
            ) : null}
            {canRun ? <RunPipelineButton studyId={study.id} pipeline={pipeline} /> : null}
          </>
        }
      />
      <Card className="mb-6">
        <dl className="grid gap-x-6 gap-y-4 px-5 py-4 sm:grid-cols-2 xl:grid-cols-4">
          <Fact label="Reads">
            <ul className="space-y-0.5">
              {pipeline.inputs.map((input) => (
                <li key={input.name} className="truncate font-mono text-xs">
                  {input.source.kind === 'dataset' ? (
                    input.source.dataset
                  ) : (
                    <Link
                      to="/studies/$studyId/pipelines/$pipelineId"
                      params={{ studyId: study.id, pipelineId: input.source.pipelineId }}
                      className="text-primary hover:underline"
                    >
                      {nameOf(input.source.pipelineId)}: {input.source.output}
                    </Link>
                  )}
                  {input.name !== (input.source.kind === 'dataset' ? input.source.dataset : input.source.output) ? (
                    <span className="text-muted-foreground"> as {input.name}</span>
                  ) : null}
                </li>
              ))}
            </ul>
          </Fact>
          <Fact label="Writes">
            <p className="font-mono text-xs">
              <ArrowRight className="mr-1 inline size-3 text-muted-foreground" aria-hidden />
              {pipeline.outputs.join(', ')}
            </p>
            {pipeline.downstream.length > 0 ? (
              <p className="mt-1 text-xs text-muted-foreground">
                Read by{' '}
                {pipeline.downstream.map((d, i) => (
                  <span key={d.id}>
                    {i > 0 ? ', ' : ''}
                    <Link
                      to="/studies/$studyId/pipelines/$pipelineId"
                      params={{ studyId: study.id, pipelineId: d.id }}
                      className="text-primary hover:underline"
                    >
                      {d.name}
                    </Link>
                  </span>
                ))}
              </p>
            ) : null}
          </Fact>
          <Fact label="Runs">
            {triggerPhrases(pipeline.triggers, pipeline.upstream.length > 0).map((t) => (
              <p key={t}>{t}</p>
            ))}
            {next && schedule ? (
              <p className="text-xs text-muted-foreground">
                Next:{' '}
                {new Intl.DateTimeFormat(undefined, {
                  dateStyle: 'medium',
                  timeStyle: 'short',
                  timeZone: schedule.timeZone,
                }).format(next)}
              </p>
            ) : null}
          </Fact>
          <Fact label="Last run">
            {pipeline.lastRun ? (
              <Link
                to="/studies/$studyId/pipelines/$pipelineId/runs/$runId"
                params={{ ...params, runId: pipeline.lastRun.id }}
                className="inline-flex flex-col gap-0.5 hover:underline"
              >
                <RunStatusBadge status={pipeline.lastRun.status} />
                <span className="text-xs text-muted-foreground">
                  {formatRelative(pipeline.lastRun.finishedAt ?? pipeline.lastRun.queuedAt)}
                </span>
              </Link>
            ) : (
              <NeverRun />
            )}
            <p className="mt-1 text-xs text-muted-foreground">
              Version {pipeline.version} · saved {formatDateTime(pipeline.updatedAt)}
              {pipeline.updatedBy ? ` by ${pipeline.updatedBy.name}` : ''}
            </p>
          </Fact>
        </dl>
      </Card>
      <div className="mb-6">
        <nav aria-label="Pipeline sections" className={tabListClasses}>
          {(
            [
              ['runs', 'Runs'],
              ['definition', 'Definition'],
              ['history', 'Version history'],
            ] as const
          ).map(([key, label]) => (
            <Link
              key={key}
              to="/studies/$studyId/pipelines/$pipelineId"
              params={params}
              search={key === 'runs' ? {} : { tab: key }}
              replace
              className={cn(tabTriggerClasses, tab === key && tabActiveClasses)}
              aria-current={tab === key ? 'page' : undefined}
            >
              {label}
            </Link>
          ))}
        </nav>
      </div>
      {tab === 'runs' ? (
        <RunsCard studyId={study.id} pipelineId={pipeline.id} />
      ) : tab === 'definition' ? (
        <DefinitionView pipeline={pipeline} />
      ) : (
        <VersionsCard
          studyId={study.id}
          pipelineId={pipeline.id}
          currentVersion={pipeline.version}
          canRestore={canConfigure}
        />
      )}
    </>
  );
}
