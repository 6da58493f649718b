import type { Study } from '@cdp/contracts';
import { useQuery } from '@tanstack/react-query';
import { getRouteApi, Link } from '@tanstack/react-router';
import { ArrowLeft } from 'lucide-react';
import type { ReactNode } from 'react';
import { IdleWarning } from '../../../../components/layout/idle-warning.tsx';
import { NoAccess } from '../../../../components/layout/no-access.tsx';
import { Button } from '../../../../components/ui/button.tsx';
import { ErrorState } from '../../../../components/ui/error-state.tsx';
import { Skeleton } from '../../../../components/ui/skeleton.tsx';
import { useMe } from '../../../auth/hooks/use-me.ts';
import { datasetsQuery } from '../../../data/api/data-api.ts';
import { studyQuery } from '../../../studies/api/studies-api.ts';
import { dashboardQuery, widgetTypesQuery } from '../../api/dashboards-api.ts';
import { DashboardBuilder } from './dashboard-builder.tsx';

const route = getRouteApi('/studies/$studyId/dashboards/$dashboardId/edit');

/** The builder route's page (loaded on demand): the study and its permission, then what the builder reads. */
export function BuilderPage() {
  const { studyId } = route.useParams();
  const me = useMe();
  const study = useQuery(studyQuery(studyId));
  let content: ReactNode;
  if (study.isPending) content = <BuilderSkeleton />;
  else if (study.isError) {
    content = <LoadFailed studyId={studyId} error={study.error} what="the study" retry={study} />;
  } else if (!study.data.permissions.includes('dashboard:edit:assigned')) {
    content = (
      <div className="px-4 py-10">
        <NoAccess permission="dashboard:edit:assigned" />
      </div>
    );
  } else content = <DashboardEditor study={study.data.data} />;
  return (
    <>
      {content}
      <IdleWarning idleMinutes={me.sessionIdleMinutes} />
    </>
  );
}

function DashboardEditor({ study }: { study: Study }) {
  const { dashboardId } = route.useParams();
  const { page } = route.useSearch();
  const navigate = route.useNavigate();
  // The builder edits its own copy of what it loaded: a refetch on focus only tells it someone else saved.
  const dashboard = useQuery(dashboardQuery(study.id, dashboardId));
  const types = useQuery(widgetTypesQuery);
  const versionId = dashboard.data?.activeVersionId ?? null;
  const datasets = useQuery({ ...datasetsQuery(study.id, versionId ?? ''), enabled: versionId !== null });

  if (dashboard.isError) {
    return <LoadFailed studyId={study.id} error={dashboard.error} what="the dashboard" retry={dashboard} />;
  }
  if (types.isError)
    return <LoadFailed studyId={study.id} error={types.error} what="the widget library" retry={types} />;
  if (datasets.isError) {
    return <LoadFailed studyId={study.id} error={datasets.error} what="the study’s datasets" retry={datasets} />;
  }
  if (!dashboard.data || !types.data || (versionId !== null && !datasets.data)) return <BuilderSkeleton />;
  return (
    <DashboardBuilder
      // Another dashboard opened in the same tab starts with a fresh history.
      key={dashboard.data.id}
      study={study}
      dashboard={dashboard.data}
      widgetTypes={types.data.data}
      datasets={datasets.data?.data ?? []}
      pageId={page}
      onPageChange={(next) => navigate({ search: { page: next }, replace: true })}
    />
  );
}

function LoadFailed({
  studyId,
  error,
  what,
  retry,
}: {
  studyId: string;
  error: unknown;
  what: string;
  retry: { refetch: () => unknown; isFetching: boolean };
}) {
  return (
    <div className="mx-auto max-w-xl px-4 py-16">
      <ErrorState error={error} what={what} onRetry={() => retry.refetch()} retrying={retry.isFetching} />
      <div className="mt-2 flex justify-center">
        <Button asChild variant="ghost" size="sm">
          <Link to="/studies/$studyId/dashboards" params={{ studyId }}>
            <ArrowLeft />
            Back to the dashboards
          </Link>
        </Button>
      </div>
    </div>
  );
}

/** The builder's frame while the dashboard, the widget library and the datasets load. */
function BuilderSkeleton() {
  return (
    <div className="flex h-dvh flex-col" role="status" aria-label="Loading the dashboard builder">
      <div className="flex h-14 items-center gap-3 border-b border-border px-3">
        <Skeleton className="size-8" />
        <Skeleton className="h-5 w-56" />
        <Skeleton className="ml-auto h-8 w-64" />
      </div>
      <div className="flex h-10 items-center gap-3 border-b border-border px-4">
        <Skeleton className="h-4 w-20" />
        <Skeleton className="h-4 w-24" />
      </div>
      <div className="flex min-h-0 flex-1">
        <div className="w-64 space-y-3 border-r border-border p-4">
          {Array.from({ length: 8 }, (_, n) => (
            // biome-ignore lint/suspicious/noArrayIndexKey: static placeholders never reorder
            <Skeleton key={n} className="h-11" />
          ))}
        </div>
        <div className="grid flex-1 auto-rows-[160px] grid-cols-3 gap-4 bg-surface-sunken p-6">
          <Skeleton className="col-span-2 rounded-lg" />
          <Skeleton className="rounded-lg" />
          <Skeleton className="rounded-lg" />
          <Skeleton className="col-span-2 rounded-lg" />
        </div>
        <div className="w-[22rem] border-l border-border" />
      </div>
    </div>
  );
}
