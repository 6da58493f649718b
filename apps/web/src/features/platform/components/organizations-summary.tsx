import { useQuery } from '@tanstack/react-query';
import { Link } from '@tanstack/react-router';
import { ArrowRight, Building2 } from 'lucide-react';
import { Button } from '../../../components/ui/button.tsx';
import { Card, CardHeader } from '../../../components/ui/card.tsx';
import { EmptyState } from '../../../components/ui/empty-state.tsx';
import { ErrorState } from '../../../components/ui/error-state.tsx';
import { Skeleton } from '../../../components/ui/skeleton.tsx';
import { organizationsQuery } from '../api/platform-api.ts';
import { OrganizationStatusBadge } from './organization-status-badge.tsx';

/** The tenants at a glance, for the platform operator's overview. */
export function OrganizationsSummary() {
  const query = useQuery(organizationsQuery);
  const tenants = query.data?.data.filter((org) => org.kind === 'tenant') ?? [];
  return (
    <Card>
      <CardHeader
        title="Organizations"
        description="Tenants on this installation and what they use."
        actions={
          <Button asChild variant="ghost" size="sm">
            <Link to="/platform/organizations">
              Manage <ArrowRight />
            </Link>
          </Button>
        }
      />
      {query.isPending ? (
        <div className="space-y-3 px-5 py-4" role="status" aria-label="Loading organizations">
          <Skeleton className="h-4 w-2/3" />
          <Skeleton className="h-4 w-1/2" />
        </div>
      ) : query.isError ? (
        <ErrorState error={query.error} what="organizations" onRetry={() => query.refetch()} />
      ) : tenants.length === 0 ? (
        <EmptyState
          icon={Building2}
          title="No tenants yet"
          description="Create an organization for each sponsor or CRO."
        />
      ) : (
        <ul className="divide-y divide-border">
          {tenants.map((org) => (
            <li key={org.id}>
              <Link
                to="/platform/organizations/$orgId"
                params={{ orgId: org.id }}
                className="flex items-center gap-4 px-5 py-3 hover:bg-surface-muted focus-visible:outline-2 focus-visible:outline-ring"
              >
                <span className="flex size-8 shrink-0 items-center justify-center rounded-md bg-slate-100 text-slate-600">
                  <Building2 className="size-4" aria-hidden />
                </span>
                <span className="min-w-0 flex-1">
                  <span className="block truncate text-[13px] font-medium">{org.name}</span>
                  <span className="block text-xs text-muted-foreground">
                    {org.usage.studies} {org.usage.studies === 1 ? 'study' : 'studies'} · {org.usage.users}{' '}
                    {org.usage.users === 1 ? 'user' : 'users'}
                  </span>
                </span>
                <OrganizationStatusBadge org={org} />
              </Link>
            </li>
          ))}
        </ul>
      )}
    </Card>
  );
}
