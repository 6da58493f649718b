import type { DashboardSummary } from '@cdp/contracts';
import { useQuery } from '@tanstack/react-query';
import { Link } from '@tanstack/react-router';
import { Database, LayoutDashboard, Plus } from 'lucide-react';
import { useState } from 'react';
import { Alert } from '../../../components/ui/alert.tsx';
import { Button } from '../../../components/ui/button.tsx';
import { Card } from '../../../components/ui/card.tsx';
import { ConfirmDialog } from '../../../components/ui/confirm-dialog.tsx';
import { EmptyState } from '../../../components/ui/empty-state.tsx';
import { ErrorState } from '../../../components/ui/error-state.tsx';
import { PageHeader } from '../../../components/ui/page-header.tsx';
import { Skeleton } from '../../../components/ui/skeleton.tsx';
import { toast } from '../../../components/ui/toaster.tsx';
import { versionsQuery } from '../../data/api/data-api.ts';
import type { StudyWithPermissions } from '../../studies/api/studies-api.ts';
import { StudyStatusBadge } from '../../studies/components/study-status-badge.tsx';
import { StudyTabs } from '../../studies/components/study-tabs.tsx';
import { dashboardsQuery, useDeleteDashboard } from '../api/dashboards-api.ts';
import { DashboardBreadcrumb } from './dashboard-breadcrumb.tsx';
import { DashboardCard } from './dashboard-card.tsx';
import { NewDashboardDialog } from './new-dashboard-dialog.tsx';

/** The study's Dashboards tab: its dashboards as cards, a new one from a template, delete with confirmation. */
export function DashboardsOverview({ result }: { result: StudyWithPermissions }) {
  const { data: study, permissions } = result;
  const query = useQuery(dashboardsQuery(study.id));
  const canCreate = permissions.includes('dashboard:create:assigned') && study.status !== 'archived';
  const canEdit = permissions.includes('dashboard:edit:assigned');
  const canDelete = permissions.includes('dashboard:delete:assigned');
  // Only someone who may see the data can be told whether there is any (and sent to upload it).
  const canSeeData = permissions.includes('data:view:assigned');
  const versions = useQuery({ ...versionsQuery(study.id), enabled: canSeeData });
  const noData = canSeeData && versions.data !== undefined && versions.data.meta.activeVersionId === null;
  const [creating, setCreating] = useState(false);
  const [deleting, setDeleting] = useState<DashboardSummary | null>(null);
  const remove = useDeleteDashboard(study.id);
  const items = query.data?.data ?? [];

  return (
    <>
      <PageHeader
        eyebrow={<DashboardBreadcrumb study={study} />}
        title={
          <span className="flex flex-wrap items-center gap-3">
            <span className="font-mono">{study.code}</span>
            <StudyStatusBadge status={study.status} />
          </span>
        }
        description={study.name}
        actions={
          canCreate && items.length > 0 ? (
            <Button onClick={() => setCreating(true)}>
              <Plus />
              New dashboard
            </Button>
          ) : null
        }
      />
      <StudyTabs studyId={study.id} permissions={permissions} />
      <div className="space-y-6">
        {noData && items.length > 0 ? (
          <Alert tone="info" title="This study has no data yet">
            Dashboards fill in once a data version is activated.{' '}
            <Link
              to="/studies/$studyId/data"
              params={{ studyId: study.id }}
              className="font-medium underline underline-offset-4"
            >
              Upload data
            </Link>
          </Alert>
        ) : null}
        {query.isPending ? (
          <div className="grid gap-4 sm:grid-cols-2 xl:grid-cols-3" role="status" aria-label="Loading dashboards">
            <Skeleton className="h-40 rounded-lg" />
            <Skeleton className="h-40 rounded-lg" />
          </div>
        ) : query.isError ? (
          <Card>
            <ErrorState
              error={query.error}
              what="the dashboards"
              onRetry={() => query.refetch()}
              retrying={query.isFetching}
            />
          </Card>
        ) : items.length === 0 ? (
          <Card>
            {noData ? (
              <EmptyState
                icon={Database}
                title="No data to show yet"
                description="Dashboards read the study’s active data version. Upload SDTM or ADaM datasets first, then create a dashboard."
                action={
                  <Button asChild>
                    <Link to="/studies/$studyId/data" params={{ studyId: study.id }}>
                      Go to Data
                    </Link>
                  </Button>
                }
              />
            ) : (
              <EmptyState
                icon={LayoutDashboard}
                title="No dashboards yet"
                description={
                  canCreate
                    ? 'Start from the Clinical Study Overview template: enrollment, safety and subject pages, mapped to your data.'
                    : 'Nobody has created a dashboard for this study yet.'
                }
                action={
                  canCreate ? (
                    <Button onClick={() => setCreating(true)}>
                      <Plus />
                      New dashboard
                    </Button>
                  ) : null
                }
              />
            )}
          </Card>
        ) : (
          <ul className="grid gap-4 sm:grid-cols-2 xl:grid-cols-3" aria-label="Dashboards">
            {items.map((dashboard) => (
              <li key={dashboard.id} className="flex">
                <DashboardCard
                  dashboard={dashboard}
                  canEdit={canEdit}
                  onDelete={canDelete ? () => setDeleting(dashboard) : null}
                />
              </li>
            ))}
          </ul>
        )}
      </div>
      {canCreate ? <NewDashboardDialog studyId={study.id} open={creating} onOpenChange={setCreating} /> : null}
      <ConfirmDialog
        open={deleting !== null}
        onOpenChange={(open) => !open && setDeleting(null)}
        title="Delete this dashboard?"
        description={<>“{deleting?.name}” is deleted for everyone on this study. The study’s data is not touched.</>}
        confirmLabel="Delete dashboard"
        tone="destructive"
        onConfirm={async () => {
          if (!deleting) return;
          await remove.mutateAsync(deleting.id);
          toast.success(`Dashboard “${deleting.name}” deleted`);
        }}
      />
    </>
  );
}
