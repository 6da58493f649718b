import { useQuery } from '@tanstack/react-query';
import { createRoute, Link } from '@tanstack/react-router';
import { ChevronRight, Pencil, UserX } from 'lucide-react';
import { useState } from 'react';
import { RequirePermission } from '../components/layout/no-access.tsx';
import { Alert } from '../components/ui/alert.tsx';
import { Avatar } from '../components/ui/avatar.tsx';
import { Button } from '../components/ui/button.tsx';
import { Card, CardBody, CardHeader } from '../components/ui/card.tsx';
import { DescriptionList } from '../components/ui/description-list.tsx';
import { EmptyState } from '../components/ui/empty-state.tsx';
import { ErrorState } from '../components/ui/error-state.tsx';
import { PageHeader } from '../components/ui/page-header.tsx';
import { Skeleton } from '../components/ui/skeleton.tsx';
import { useCan, useMe } from '../features/auth/hooks/use-me.ts';
import { isLocked, userQuery } from '../features/users/api/users-api.ts';
import { RenameUserDialog } from '../features/users/components/rename-user-dialog.tsx';
import { RoleAssignmentsCard } from '../features/users/components/role-assignments-card.tsx';
import { UserActions } from '../features/users/components/user-actions.tsx';
import { UserStatusBadges } from '../features/users/components/user-badges.tsx';
import { isApiError } from '../lib/api-error.ts';
import { formatDateTime } from '../lib/format.ts';
import { appRoute } from './app.tsx';

export const userRoute = createRoute({
  getParentRoute: () => appRoute,
  path: '/users/$userId',
  component: () => (
    <RequirePermission permission="user:view:own">
      <UserPage />
    </RequirePermission>
  ),
});

function Breadcrumb({ name }: { name?: string }) {
  return (
    <nav aria-label="Breadcrumb" className="flex items-center gap-1">
      <Link to="/users" className="hover:text-foreground hover:underline">
        Users
      </Link>
      <ChevronRight className="size-3.5" aria-hidden />
      <span aria-current="page">{name ?? '…'}</span>
    </nav>
  );
}

function UserPage() {
  const { userId } = userRoute.useParams();
  const me = useMe();
  const canManage = useCan('user:manage:own');
  const query = useQuery(userQuery(userId));
  const [renaming, setRenaming] = useState(false);

  if (query.isPending) {
    return (
      <div role="status" aria-label="Loading user">
        <Skeleton className="mb-4 h-4 w-32" />
        <div className="mb-8 flex items-center gap-4">
          <Skeleton className="size-12 rounded-full" />
          <div className="space-y-2">
            <Skeleton className="h-6 w-48" />
            <Skeleton className="h-4 w-64" />
          </div>
        </div>
        <Skeleton className="h-56 rounded-lg" />
      </div>
    );
  }
  if (query.isError) {
    const missing = isApiError(query.error, 'NOT_FOUND') || isApiError(query.error, 'VALIDATION_FAILED');
    return (
      <>
        <PageHeader eyebrow={<Breadcrumb />} title={missing ? 'User not found' : 'User'} />
        <Card>
          {missing ? (
            <EmptyState
              icon={UserX}
              title="User not found"
              description="This user does not exist in your organization."
              action={
                <Button asChild variant="secondary">
                  <Link to="/users">Back to users</Link>
                </Button>
              }
            />
          ) : (
            <ErrorState
              error={query.error}
              what="the user"
              onRetry={() => query.refetch()}
              retrying={query.isFetching}
            />
          )}
        </Card>
      </>
    );
  }

  const user = query.data.data;
  const isSelf = user.id === me.user.id;
  return (
    <>
      <PageHeader
        eyebrow={<Breadcrumb name={user.name} />}
        title={
          <span className="flex items-center gap-4">
            <Avatar name={user.name} size="lg" />
            <span className="min-w-0">
              <span className="block truncate">{user.name}</span>
              <span className="block truncate text-[13px] font-normal text-muted-foreground">{user.email}</span>
            </span>
          </span>
        }
        actions={canManage ? <UserActions user={user} isSelf={isSelf} /> : null}
      />
      {user.status === 'deactivated' ? (
        <Alert tone="warning" className="mb-6" title="This account is deactivated">
          {user.deactivatedReason ? `Reason: ${user.deactivatedReason}` : 'The user cannot sign in.'}
        </Alert>
      ) : null}
      <div className="grid items-start gap-6 lg:grid-cols-3">
        <div className="lg:col-span-2">
          <RoleAssignmentsCard user={user} canManage={canManage && !isSelf} />
        </div>
        <Card>
          <CardHeader
            title="Profile"
            actions={
              canManage ? (
                <Button variant="ghost" size="sm" onClick={() => setRenaming(true)}>
                  <Pencil />
                  Edit name
                </Button>
              ) : null
            }
          />
          <CardBody>
            <DescriptionList
              className="sm:grid-cols-1"
              items={[
                ['Status', <UserStatusBadges key="status" user={user} />],
                ['E-mail', user.email],
                ['Last sign-in', user.lastLoginAt ? formatDateTime(user.lastLoginAt) : 'Never'],
                [
                  'Password',
                  user.mustChangePassword ? 'Temporary: must be replaced at next sign-in' : 'Chosen by the user',
                ],
                ...(isLocked(user) ? ([['Locked until', formatDateTime(user.lockedUntil)]] as [string, string][]) : []),
                ['Member since', formatDateTime(user.createdAt)],
              ]}
            />
          </CardBody>
        </Card>
      </div>
      {isSelf && canManage ? (
        <p className="mt-4 text-xs text-muted-foreground">
          You cannot change your own roles or deactivate yourself; ask another administrator.
        </p>
      ) : null}
      {canManage ? <RenameUserDialog user={user} open={renaming} onOpenChange={setRenaming} /> : null}
    </>
  );
}
