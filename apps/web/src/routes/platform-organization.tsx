import type { Organization } from '@cdp/contracts';
import { useQuery, useQueryClient } from '@tanstack/react-query';
import { createRoute, Link } from '@tanstack/react-router';
import { Building2, ChevronRight, Power, PowerOff } from 'lucide-react';
import { useState } from 'react';
import { RequirePermission } from '../components/layout/no-access.tsx';
import { Alert } from '../components/ui/alert.tsx';
import { Badge } from '../components/ui/badge.tsx';
import { Button } from '../components/ui/button.tsx';
import { Card } from '../components/ui/card.tsx';
import { EmptyState } from '../components/ui/empty-state.tsx';
import { ErrorState } from '../components/ui/error-state.tsx';
import { PageHeader } from '../components/ui/page-header.tsx';
import { ReasonDialog } from '../components/ui/reason-dialog.tsx';
import { Skeleton } from '../components/ui/skeleton.tsx';
import { Tabs, TabsContent, TabsList, TabsTrigger } from '../components/ui/tabs.tsx';
import { toast } from '../components/ui/toaster.tsx';
import {
  type OrganizationWithPermissions,
  platformKeys,
  platformOrganizationQuery,
  setOrganizationActive,
} from '../features/platform/api/platform-api.ts';
import { FeatureSwitches } from '../features/platform/components/feature-switches.tsx';
import { OrganizationSettingsForm } from '../features/platform/components/organization-settings-form.tsx';
import { OrganizationStatusBadge } from '../features/platform/components/organization-status-badge.tsx';
import { OrganizationUsers } from '../features/platform/components/organization-users.tsx';
import { isApiError } from '../lib/api-error.ts';
import { formatDateTime } from '../lib/format.ts';
import { appRoute } from './app.tsx';

export const platformOrganizationRoute = createRoute({
  getParentRoute: () => appRoute,
  path: '/platform/organizations/$orgId',
  component: () => (
    <RequirePermission permission="tenant:view:all">
      <OrganizationPage />
    </RequirePermission>
  ),
});

function Breadcrumb({ name }: { name?: string }) {
  return (
    <nav aria-label="Breadcrumb" className="flex items-center gap-1">
      <Link to="/platform/organizations" className="hover:text-foreground hover:underline">
        Organizations
      </Link>
      <ChevronRight className="size-3.5" aria-hidden />
      <span aria-current="page">{name ?? '…'}</span>
    </nav>
  );
}

function OrganizationPage() {
  const { orgId } = platformOrganizationRoute.useParams();
  const query = useQuery(platformOrganizationQuery(orgId));
  if (query.isPending) {
    return (
      <div role="status" aria-label="Loading organization">
        <Skeleton className="mb-3 h-4 w-40" />
        <Skeleton className="mb-8 h-7 w-64" />
        <Skeleton className="h-72 rounded-lg" />
      </div>
    );
  }
  if (query.isError) {
    const missing = isApiError(query.error, 'NOT_FOUND') || isApiError(query.error, 'VALIDATION_FAILED');
    return (
      <>
        <PageHeader eyebrow={<Breadcrumb />} title={missing ? 'Organization not found' : 'Organization'} />
        <Card>
          {missing ? (
            <EmptyState
              icon={Building2}
              title="Organization not found"
              action={
                <Button asChild variant="secondary">
                  <Link to="/platform/organizations">Back to organizations</Link>
                </Button>
              }
            />
          ) : (
            <ErrorState error={query.error} what="the organization" onRetry={() => query.refetch()} />
          )}
        </Card>
      </>
    );
  }
  return <OrganizationDetail result={query.data} />;
}

function OrganizationDetail({ result }: { result: OrganizationWithPermissions }) {
  const { data: org, permissions } = result;
  const canManage = permissions.includes('tenant:manage:all');
  return (
    <>
      <PageHeader
        eyebrow={<Breadcrumb name={org.name} />}
        title={
          <span className="flex flex-wrap items-center gap-3">
            {org.name}
            <OrganizationStatusBadge org={org} />
            {org.kind === 'platform' ? <Badge tone="info">Platform</Badge> : null}
          </span>
        }
        description={
          <>
            Code <code className="font-mono">{org.code}</code> · created {formatDateTime(org.createdAt)}
          </>
        }
        actions={canManage && org.kind === 'tenant' ? <StatusAction org={org} /> : null}
      />
      {org.status === 'deactivated' ? (
        <Alert tone="warning" className="mb-6" title="Deactivated">
          Its users cannot sign in.{org.deactivatedReason ? ` Reason: ${org.deactivatedReason}` : ''}
        </Alert>
      ) : null}
      <Tabs defaultValue="settings">
        <TabsList>
          <TabsTrigger value="settings">Settings</TabsTrigger>
          <TabsTrigger value="users">Users</TabsTrigger>
        </TabsList>
        <TabsContent value="settings">
          <div className="grid items-start gap-6 lg:grid-cols-2">
            <OrganizationSettingsForm org={org} canManage={canManage} />
            <FeatureSwitches org={org} canManage={canManage} />
          </div>
        </TabsContent>
        <TabsContent value="users">
          <OrganizationUsers org={org} />
        </TabsContent>
      </Tabs>
    </>
  );
}

function StatusAction({ org }: { org: Organization }) {
  const queryClient = useQueryClient();
  const [open, setOpen] = useState(false);
  const deactivating = org.status === 'active';
  return (
    <>
      <Button variant={deactivating ? 'destructive-outline' : 'secondary'} onClick={() => setOpen(true)}>
        {deactivating ? <PowerOff /> : <Power />}
        {deactivating ? 'Deactivate' : 'Reactivate'}
      </Button>
      <ReasonDialog
        open={open}
        onOpenChange={setOpen}
        title={deactivating ? `Deactivate ${org.name}?` : `Reactivate ${org.name}?`}
        description={
          deactivating
            ? 'All its users are signed out at once and cannot sign in until it is reactivated. Its data is kept.'
            : 'Its users can sign in again.'
        }
        confirmLabel={deactivating ? 'Deactivate organization' : 'Reactivate'}
        tone={deactivating ? 'destructive' : 'primary'}
        reasonHint={`Recorded in ${org.name}’s audit trail and the platform’s.`}
        onConfirm={async (reason) => {
          const updated = await setOrganizationActive(org.id, !deactivating, reason);
          queryClient.setQueryData(platformKeys.detail(org.id), updated);
          await queryClient.invalidateQueries({ queryKey: platformKeys.all });
          toast.success(`${org.name} ${deactivating ? 'deactivated' : 'reactivated'}`);
        }}
      />
    </>
  );
}
