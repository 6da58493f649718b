import { useQuery } from '@tanstack/react-query';
import { Link } from '@tanstack/react-router';
import { FileQuestion } from 'lucide-react';
import { Button } from '../../../components/ui/button.tsx';
import { Card } from '../../../components/ui/card.tsx';
import { EmptyState } from '../../../components/ui/empty-state.tsx';
import { ErrorState } from '../../../components/ui/error-state.tsx';
import { PageHeader } from '../../../components/ui/page-header.tsx';
import { Skeleton } from '../../../components/ui/skeleton.tsx';
import { isApiError } from '../../../lib/api-error.ts';
import type { StudyWithPermissions } from '../../studies/api/studies-api.ts';
import { dashboardQuery } from '../api/dashboards-api.ts';
import { DashboardBreadcrumb } from './dashboard-breadcrumb.tsx';
import { DashboardView, type DashboardViewState } from './dashboard-view.tsx';

interface DashboardScreenProps {
  study: StudyWithPermissions;
  dashboardId: string;
  state: DashboardViewState;
  onStateChange: (next: Partial<DashboardViewState>) => void;
}

/** Loads a dashboard's document, then shows it; "not found" and a failed load get their own page. */
export function DashboardScreen({ study, dashboardId, state, onStateChange }: DashboardScreenProps) {
  const query = useQuery(dashboardQuery(study.data.id, dashboardId));
  if (query.isPending) {
    return (
      <div role="status" aria-label="Loading dashboard">
        <Skeleton className="mb-3 h-4 w-64" />
        <Skeleton className="mb-8 h-7 w-80" />
        <Skeleton className="mb-4 h-9 w-96" />
        <Skeleton className="mb-5 h-8 w-2/3" />
        <div className="grid grid-cols-4 gap-4">
          <Skeleton className="h-32 rounded-lg" />
          <Skeleton className="h-32 rounded-lg" />
          <Skeleton className="h-32 rounded-lg" />
          <Skeleton className="h-32 rounded-lg" />
          <Skeleton className="col-span-2 h-80 rounded-lg" />
          <Skeleton className="col-span-2 h-80 rounded-lg" />
        </div>
      </div>
    );
  }
  if (query.isError) {
    const missing = isApiError(query.error, 'NOT_FOUND') || isApiError(query.error, 'VALIDATION_FAILED');
    return (
      <>
        <PageHeader
          eyebrow={<DashboardBreadcrumb study={study.data} current="…" />}
          title={missing ? 'Dashboard not found' : 'Dashboard'}
        />
        <Card>
          {missing ? (
            <EmptyState
              icon={FileQuestion}
              title="Dashboard not found"
              description="It was deleted, or the link is wrong."
              action={
                <Button asChild variant="secondary">
                  <Link to="/studies/$studyId/dashboards" params={{ studyId: study.data.id }}>
                    All dashboards
                  </Link>
                </Button>
              }
            />
          ) : (
            <ErrorState
              error={query.error}
              what="the dashboard"
              onRetry={() => query.refetch()}
              retrying={query.isFetching}
            />
          )}
        </Card>
      </>
    );
  }
  return <DashboardView study={study} dashboard={query.data} state={state} onStateChange={onStateChange} />;
}
