import type { Organization } from '@cdp/contracts';
import { useQuery } from '@tanstack/react-query';
import { createRoute, Link, useNavigate } from '@tanstack/react-router';
import { Building2, Plus } from 'lucide-react';
import { useState } from 'react';
import { RequirePermission } from '../components/layout/no-access.tsx';
import { Badge } from '../components/ui/badge.tsx';
import { Button } from '../components/ui/button.tsx';
import { Card } from '../components/ui/card.tsx';
import { EmptyState } from '../components/ui/empty-state.tsx';
import { ErrorState } from '../components/ui/error-state.tsx';
import { PageHeader } from '../components/ui/page-header.tsx';
import { TableSkeleton } from '../components/ui/skeleton.tsx';
import { Table, TableBody, TableCell, TableHead, TableHeader, TableRow } from '../components/ui/table.tsx';
import { useCan } from '../features/auth/hooks/use-me.ts';
import { organizationsQuery } from '../features/platform/api/platform-api.ts';
import { NewOrganizationDialog } from '../features/platform/components/new-organization-dialog.tsx';
import { OrganizationStatusBadge } from '../features/platform/components/organization-status-badge.tsx';
import { cn } from '../lib/cn.ts';
import { formatDate } from '../lib/format.ts';
import { appRoute } from './app.tsx';

export const platformOrganizationsRoute = createRoute({
  getParentRoute: () => appRoute,
  path: '/platform/organizations',
  component: () => (
    <RequirePermission permission="tenant:view:all">
      <OrganizationsPage />
    </RequirePermission>
  ),
});

function Usage({ used, limit }: { used: number; limit: number | null }) {
  const full = limit !== null && used >= limit;
  return (
    <span className={cn('tabular-nums', full && 'font-medium text-destructive')}>
      {used.toLocaleString()}
      <span className="text-muted-foreground"> / {limit === null ? '∞' : limit.toLocaleString()}</span>
    </span>
  );
}

function OrganizationsPage() {
  const query = useQuery(organizationsQuery);
  const canCreate = useCan('tenant:create:all');
  const navigate = useNavigate();
  const [creating, setCreating] = useState(false);
  const newButton = canCreate ? (
    <Button onClick={() => setCreating(true)}>
      <Plus />
      New organization
    </Button>
  ) : null;
  const rows: Organization[] = query.data?.data ?? [];

  return (
    <>
      <PageHeader
        eyebrow="Platform"
        title="Organizations"
        description="Every tenant on this CDP installation, with usage against its quotas."
        actions={newButton}
      />
      <Card>
        {query.isPending ? (
          <TableSkeleton columns={6} />
        ) : query.isError ? (
          <ErrorState
            error={query.error}
            what="organizations"
            onRetry={() => query.refetch()}
            retrying={query.isFetching}
          />
        ) : rows.length === 0 ? (
          <EmptyState
            icon={Building2}
            title="No organizations"
            description="Create the first tenant."
            action={newButton}
          />
        ) : (
          <Table>
            <TableHeader>
              <TableRow>
                <TableHead>Name</TableHead>
                <TableHead>Code</TableHead>
                <TableHead>Status</TableHead>
                <TableHead className="text-right">Studies</TableHead>
                <TableHead className="text-right">Users</TableHead>
                <TableHead className="text-right">Created</TableHead>
              </TableRow>
            </TableHeader>
            <TableBody>
              {rows.map((org) => (
                <TableRow
                  key={org.id}
                  className="cursor-pointer hover:bg-surface-muted"
                  onClick={() => navigate({ to: '/platform/organizations/$orgId', params: { orgId: org.id } })}
                >
                  <TableCell>
                    <span className="flex items-center gap-2">
                      <Link
                        to="/platform/organizations/$orgId"
                        params={{ orgId: org.id }}
                        className="font-medium hover:underline"
                        onClick={(event) => event.stopPropagation()}
                      >
                        {org.name}
                      </Link>
                      {org.kind === 'platform' ? <Badge tone="info">Platform</Badge> : null}
                    </span>
                  </TableCell>
                  <TableCell className="font-mono text-xs text-muted-foreground">{org.code}</TableCell>
                  <TableCell>
                    <OrganizationStatusBadge org={org} />
                  </TableCell>
                  <TableCell className="text-right">
                    <Usage used={org.usage.studies} limit={org.quotas.maxStudies} />
                  </TableCell>
                  <TableCell className="text-right">
                    <Usage used={org.usage.users} limit={org.quotas.maxUsers} />
                  </TableCell>
                  <TableCell className="text-right whitespace-nowrap text-muted-foreground">
                    {formatDate(org.createdAt)}
                  </TableCell>
                </TableRow>
              ))}
            </TableBody>
          </Table>
        )}
      </Card>
      {canCreate ? <NewOrganizationDialog open={creating} onOpenChange={setCreating} /> : null}
    </>
  );
}
