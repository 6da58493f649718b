import { PERMISSION_LABELS, type Permission, STUDY_PHASES } from '@cdp/contracts';
import { useQuery } from '@tanstack/react-query';
import { createRoute, Link } from '@tanstack/react-router';
import { ArrowRight, ChevronRight, Pencil, ScrollText } from 'lucide-react';
import { useState } from 'react';
import { RequirePermission } from '../components/layout/no-access.tsx';
import { Alert } from '../components/ui/alert.tsx';
import { Badge } from '../components/ui/badge.tsx';
import { Button } from '../components/ui/button.tsx';
import { Card, CardBody, CardHeader } from '../components/ui/card.tsx';
import { DescriptionList } from '../components/ui/description-list.tsx';
import { EmptyState } from '../components/ui/empty-state.tsx';
import { ErrorState } from '../components/ui/error-state.tsx';
import { PageHeader } from '../components/ui/page-header.tsx';
import { Skeleton } from '../components/ui/skeleton.tsx';
import { auditQuery } from '../features/audit/api/audit-api.ts';
import { ActivityFeed } from '../features/audit/components/activity-feed.tsx';
import { useCan } from '../features/auth/hooks/use-me.ts';
import { StudyLockSignatures } from '../features/signatures/components/study-lock-signatures.tsx';
import { type StudyWithPermissions, studyQuery } from '../features/studies/api/studies-api.ts';
import { EditStudyDialog } from '../features/studies/components/edit-study-dialog.tsx';
import { StatusActions } from '../features/studies/components/status-actions.tsx';
import { StudyLifecycle } from '../features/studies/components/study-lifecycle.tsx';
import { StudyLoadError } from '../features/studies/components/study-load-error.tsx';
import { StudyStatusBadge } from '../features/studies/components/study-status-badge.tsx';
import { StudyTabs } from '../features/studies/components/study-tabs.tsx';
import { enrollmentPlanText } from '../features/studies/lib/enrollment-plan.ts';
import { formatDateTime } from '../lib/format.ts';
import { appRoute } from './app.tsx';

export const studyRoute = createRoute({
  getParentRoute: () => appRoute,
  path: '/studies/$studyId',
  component: () => (
    <RequirePermission permission="study:view:assigned">
      <StudyPage />
    </RequirePermission>
  ),
});

function Breadcrumb({ code }: { code?: string }) {
  return (
    <nav aria-label="Breadcrumb" className="flex items-center gap-1">
      <Link to="/studies" className="hover:text-foreground hover:underline">
        Studies
      </Link>
      <ChevronRight className="size-3.5" aria-hidden />
      <span aria-current="page">{code ?? '…'}</span>
    </nav>
  );
}

function StudyPage() {
  const { studyId } = studyRoute.useParams();
  const query = useQuery(studyQuery(studyId));

  if (query.isPending) {
    return (
      <div role="status" aria-label="Loading study">
        <Skeleton className="mb-3 h-4 w-32" />
        <Skeleton className="mb-2 h-7 w-72" />
        <Skeleton className="mb-8 h-4 w-96" />
        <div className="grid items-start gap-6 lg:grid-cols-3">
          <Skeleton className="h-64 rounded-lg lg:col-span-2" />
          <Skeleton className="h-64 rounded-lg" />
        </div>
      </div>
    );
  }
  if (query.isError) {
    return (
      <StudyLoadError
        eyebrow={<Breadcrumb />}
        title={'Study'}
        error={query.error}
        onRetry={() => query.refetch()}
        retrying={query.isFetching}
      />
    );
  }
  return <StudyDetail result={query.data} />;
}

function StudyDetail({ result }: { result: StudyWithPermissions }) {
  const { data: study, permissions } = result;
  const [editing, setEditing] = useState(false);
  const canManage = permissions.includes('study:manage:assigned');
  const canViewAudit = useCan('audit:view:own');
  const archived = study.status === 'archived';
  return (
    <>
      <PageHeader
        eyebrow={<Breadcrumb code={study.code} />}
        title={
          <span className="flex flex-wrap items-center gap-3">
            <span className="font-mono">{study.code}</span>
            <StudyStatusBadge status={study.status} />
          </span>
        }
        description={study.name}
        actions={
          canManage && !archived ? (
            <>
              <Button variant="secondary" onClick={() => setEditing(true)}>
                <Pencil />
                Edit details
              </Button>
              <StatusActions study={study} />
            </>
          ) : null
        }
      />
      <StudyTabs studyId={study.id} permissions={permissions} />
      {archived ? (
        <Alert tone="warning" className="mb-6" title={`Archived ${formatDateTime(study.archivedAt)}`}>
          {study.archivedReason ? `Reason: ${study.archivedReason}. ` : null}This study is read-only.
        </Alert>
      ) : null}
      <div className="grid gap-6 lg:grid-cols-3 [&>*]:min-w-0">
        <div className="space-y-6 lg:col-span-2">
          <Card>
            <CardHeader title="Study details" />
            <CardBody>
              <DescriptionList
                items={[
                  ['Study name', study.name],
                  ['Protocol number', study.protocol ?? '—'],
                  ['Phase', STUDY_PHASES[study.phase]],
                  ['Therapeutic area', study.therapeuticArea ?? '—'],
                  ['Enrollment plan', enrollmentPlanText(study)],
                  ['Created', formatDateTime(study.createdAt)],
                  ['Last updated', formatDateTime(study.updatedAt)],
                ]}
              />
              <div className="mt-5 space-y-1 border-t border-border pt-4">
                <p className="text-xs font-medium text-muted-foreground">Description</p>
                <p className="text-[13px] leading-relaxed whitespace-pre-line">
                  {study.description ?? <span className="text-muted-foreground">No description.</span>}
                </p>
              </div>
            </CardBody>
          </Card>
          {canViewAudit ? <StudyActivity studyId={study.id} /> : null}
        </div>
        <div className="space-y-6">
          <Card>
            <CardHeader title="Lifecycle" />
            <CardBody>
              <StudyLifecycle status={study.status} />
            </CardBody>
          </Card>
          <StudyLockSignatures study={study} />
          <Card>
            <CardHeader title="Your access" description="What your roles allow on this study." />
            <CardBody className="flex flex-wrap gap-1.5">
              {permissions.map((code) => (
                // Labels are sentences ("See protected health information (PHI) in clear"): they wrap
                // in the narrow column instead of running out of their badge and the page.
                <Badge key={code} tone="muted" className="rounded-md whitespace-normal">
                  {PERMISSION_LABELS[code as Permission] ?? code}
                </Badge>
              ))}
            </CardBody>
          </Card>
        </div>
      </div>
      {canManage ? <EditStudyDialog study={study} open={editing} onOpenChange={setEditing} /> : null}
    </>
  );
}

function StudyActivity({ studyId }: { studyId: string }) {
  const filters = { resourceType: 'study', resourceId: studyId };
  const query = useQuery(auditQuery(filters, 1, 10));
  return (
    <Card>
      <CardHeader
        title="Recent activity"
        description="Changes to this study, from its audit trail."
        actions={
          <Button asChild variant="ghost" size="sm">
            <Link to="/activity" search={filters}>
              Full history <ArrowRight />
            </Link>
          </Button>
        }
      />
      {query.isPending ? (
        <div className="space-y-3 px-5 py-4" role="status" aria-label="Loading activity">
          <Skeleton className="h-4 w-2/3" />
          <Skeleton className="h-4 w-1/2" />
        </div>
      ) : query.isError ? (
        <ErrorState error={query.error} what="activity" onRetry={() => query.refetch()} />
      ) : query.data.data.length === 0 ? (
        <EmptyState icon={ScrollText} title="No activity recorded" />
      ) : (
        <ActivityFeed events={query.data.data} />
      )}
    </Card>
  );
}
