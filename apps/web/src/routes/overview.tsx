import { useQuery } from '@tanstack/react-query';
import { createRoute, Link } from '@tanstack/react-router';
import { ArrowRight, ScrollText } from 'lucide-react';
import { useState } from 'react';
import { Button } from '../components/ui/button.tsx';
import { Card, CardHeader } from '../components/ui/card.tsx';
import { EmptyState } from '../components/ui/empty-state.tsx';
import { ErrorState } from '../components/ui/error-state.tsx';
import { PageHeader } from '../components/ui/page-header.tsx';
import { Skeleton } from '../components/ui/skeleton.tsx';
import { auditQuery } from '../features/audit/api/audit-api.ts';
import { ActivityFeed } from '../features/audit/components/activity-feed.tsx';
import { useResourceNames } from '../features/audit/hooks/use-resource-names.ts';
import { useCan, useIsPlatformAdmin, useMe } from '../features/auth/hooks/use-me.ts';
import { homeQuery } from '../features/home/api/home-api.ts';
import { StudySummaryCard } from '../features/home/components/study-summary-card.tsx';
import { OrganizationsSummary } from '../features/platform/components/organizations-summary.tsx';
import { canCreateStudies, studiesQuery } from '../features/studies/api/studies-api.ts';
import { CreateStudyDialog } from '../features/studies/components/create-study-dialog.tsx';
import { NoStudiesState } from '../features/studies/components/no-studies-state.tsx';
import { appRoute } from './app.tsx';

export const overviewRoute = createRoute({
  getParentRoute: () => appRoute,
  path: '/',
  component: OverviewPage,
});

function greeting(hour: number): string {
  if (hour < 12) return 'Good morning';
  if (hour < 18) return 'Good afternoon';
  return 'Good evening';
}

function OverviewPage() {
  const me = useMe();
  const canViewStudies = useCan('study:view:assigned');
  const canViewAudit = useCan('audit:view:own');
  // The platform operator's organization holds no studies: its home is the tenants it runs.
  const platform = useIsPlatformAdmin();
  const firstName = me.user.name.split(' ')[0] ?? me.user.name;
  const today = new Intl.DateTimeFormat(undefined, { weekday: 'long', day: 'numeric', month: 'long' }).format(
    new Date(),
  );
  return (
    <>
      <PageHeader
        eyebrow={today}
        title={`${greeting(new Date().getHours())}, ${firstName}`}
        description={`You are signed in to ${me.organization.name}.`}
      />
      <div className="space-y-8">
        {platform ? <OrganizationsSummary /> : canViewStudies ? <StudiesSection /> : null}
        {canViewAudit ? <RecentActivity /> : null}
      </div>
    </>
  );
}

function StudiesSection() {
  const query = useQuery(homeQuery);
  // Whether the user may create a study (the empty state offers it): the studies list says so.
  const list = useQuery(studiesQuery());
  const [creating, setCreating] = useState(false);
  const studies = query.data?.data ?? [];
  const canCreate = canCreateStudies(list.data);
  return (
    <section aria-labelledby="overview-studies">
      <div className="mb-3 flex items-center justify-between gap-3">
        <h2 id="overview-studies" className="text-sm font-semibold">
          Your studies
        </h2>
        {studies.length > 0 ? (
          <Link
            to="/studies"
            className="inline-flex items-center gap-1 text-[13px] font-medium text-primary hover:underline"
          >
            All studies <ArrowRight className="size-3.5" aria-hidden />
          </Link>
        ) : null}
      </div>
      {query.isPending ? (
        <div className="grid gap-3 md:grid-cols-2 2xl:grid-cols-3" role="status" aria-label="Loading studies">
          {[0, 1, 2].map((i) => (
            <Skeleton key={i} className="h-56 rounded-lg" />
          ))}
        </div>
      ) : query.isError ? (
        <Card>
          <ErrorState
            error={query.error}
            what="your studies"
            onRetry={() => query.refetch()}
            retrying={query.isFetching}
          />
        </Card>
      ) : studies.length === 0 ? (
        <Card>
          <NoStudiesState onCreate={canCreate ? () => setCreating(true) : null} />
        </Card>
      ) : (
        <>
          <div className="grid gap-3 md:grid-cols-2 2xl:grid-cols-3">
            {studies.map((summary) => (
              <StudySummaryCard key={summary.study.id} summary={summary} />
            ))}
          </div>
          {query.data.total > studies.length ? (
            <p className="mt-3 text-[13px] text-muted-foreground">
              {studies.length} of {query.data.total} studies shown.{' '}
              <Link to="/studies" className="font-medium text-primary hover:underline">
                See them all
              </Link>
            </p>
          ) : null}
        </>
      )}
      {canCreate ? <CreateStudyDialog open={creating} onOpenChange={setCreating} /> : null}
    </section>
  );
}

function RecentActivity() {
  const query = useQuery(auditQuery({}, 1, 10));
  const names = useResourceNames();
  return (
    <Card aria-labelledby="overview-activity">
      <CardHeader
        title={<span id="overview-activity">Recent activity</span>}
        description="The latest entries of your organization’s audit trail."
        actions={
          <Button asChild variant="ghost" size="sm">
            <Link to="/activity">
              View audit trail <ArrowRight />
            </Link>
          </Button>
        }
      />
      {query.isPending ? (
        <div className="space-y-3 px-5 py-4" role="status" aria-label="Loading activity">
          {[0, 1, 2, 3].map((i) => (
            <Skeleton key={i} className="h-4 w-3/4" />
          ))}
        </div>
      ) : query.isError ? (
        <ErrorState
          error={query.error}
          what="recent activity"
          onRetry={() => query.refetch()}
          retrying={query.isFetching}
        />
      ) : query.data.data.length === 0 ? (
        <EmptyState icon={ScrollText} title="No activity yet" description="Sign-ins and changes will appear here." />
      ) : (
        <ActivityFeed events={query.data.data} names={names} />
      )}
    </Card>
  );
}
