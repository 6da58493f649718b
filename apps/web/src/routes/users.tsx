import { useQuery } from '@tanstack/react-query';
import { createRoute, Link, useNavigate } from '@tanstack/react-router';
import { Plus, SearchX, Users } from 'lucide-react';
import { useState } from 'react';
import { RequirePermission } from '../components/layout/no-access.tsx';
import { Avatar } from '../components/ui/avatar.tsx';
import { Button } from '../components/ui/button.tsx';
import { Card } from '../components/ui/card.tsx';
import { EmptyState } from '../components/ui/empty-state.tsx';
import { ErrorState } from '../components/ui/error-state.tsx';
import { PageHeader } from '../components/ui/page-header.tsx';
import { SearchInput } from '../components/ui/search-input.tsx';
import { Select } from '../components/ui/select.tsx';
import { TableSkeleton } from '../components/ui/skeleton.tsx';
import { Table, TableBody, TableCell, TableHead, TableHeader, TableRow } from '../components/ui/table.tsx';
import { Tooltip } from '../components/ui/tooltip.tsx';
import { useCan } from '../features/auth/hooks/use-me.ts';
import { type UserStatusFilter, usersQuery } from '../features/users/api/users-api.ts';
import { NewUserDialog } from '../features/users/components/new-user-dialog.tsx';
import { RoleBadges, UserStatusBadges } from '../features/users/components/user-badges.tsx';
import { UsersTabs } from '../features/users/components/users-tabs.tsx';
import { formatDateTime, formatRelative } from '../lib/format.ts';
import { appRoute } from './app.tsx';

interface UsersSearch {
  q?: string;
  status?: UserStatusFilter;
}

const STATUSES: UserStatusFilter[] = ['all', 'active', 'deactivated'];

export const usersRoute = createRoute({
  getParentRoute: () => appRoute,
  path: '/users',
  validateSearch: (search: Record<string, unknown>): UsersSearch => ({
    ...(typeof search.q === 'string' && search.q ? { q: search.q } : {}),
    ...(STATUSES.includes(search.status as UserStatusFilter) && search.status !== 'all'
      ? { status: search.status as UserStatusFilter }
      : {}),
  }),
  component: () => (
    <RequirePermission permission="user:view:own">
      <UsersPage />
    </RequirePermission>
  ),
});

function UsersPage() {
  const search = usersRoute.useSearch();
  const navigate = useNavigate({ from: '/users' });
  const query = useQuery(usersQuery(search));
  const canCreate = useCan('user:create:own');
  const [creating, setCreating] = useState(false);
  const filtered = Boolean(search.q || search.status);
  const setSearch = (next: UsersSearch) => navigate({ search: (prev) => ({ ...prev, ...next }), replace: true });

  return (
    <>
      <PageHeader
        title="Users"
        description="People in your organization, their roles and their access to studies."
        actions={
          canCreate ? (
            <Button onClick={() => setCreating(true)}>
              <Plus />
              New user
            </Button>
          ) : null
        }
      />
      <UsersTabs />
      <Card>
        <div className="flex flex-col gap-3 border-b border-border px-5 py-3 sm:flex-row sm:items-center">
          <SearchInput
            label="Search users"
            placeholder="Search name or e-mail"
            value={search.q ?? ''}
            onSearch={(q) => setSearch({ q: q || undefined })}
          />
          <Select
            aria-label="Status"
            className="sm:w-44"
            value={search.status ?? 'all'}
            onChange={(event) => {
              const status = event.target.value as UserStatusFilter;
              setSearch({ status: status === 'all' ? undefined : status });
            }}
          >
            <option value="all">All users</option>
            <option value="active">Active</option>
            <option value="deactivated">Deactivated</option>
          </Select>
          {query.data ? (
            <p className="text-[13px] text-muted-foreground sm:ml-auto" aria-live="polite">
              {query.data.data.length} {query.data.data.length === 1 ? 'user' : 'users'}
            </p>
          ) : null}
        </div>
        {query.isPending ? (
          <TableSkeleton columns={4} />
        ) : query.isError ? (
          <ErrorState error={query.error} what="users" onRetry={() => query.refetch()} retrying={query.isFetching} />
        ) : query.data.data.length === 0 ? (
          filtered ? (
            <EmptyState
              icon={SearchX}
              title="No users match"
              description="Try another name, e-mail or status."
              action={
                <Button variant="secondary" onClick={() => navigate({ search: {}, replace: true })}>
                  Clear filters
                </Button>
              }
            />
          ) : (
            <EmptyState
              icon={Users}
              title="No users yet"
              description="Add the people who work on your studies and give them roles."
              action={
                canCreate ? (
                  <Button onClick={() => setCreating(true)}>
                    <Plus />
                    New user
                  </Button>
                ) : null
              }
            />
          )
        ) : (
          <Table>
            <TableHeader>
              <TableRow>
                <TableHead>Name</TableHead>
                <TableHead>Roles</TableHead>
                <TableHead>Status</TableHead>
                <TableHead className="text-right">Last sign-in</TableHead>
              </TableRow>
            </TableHeader>
            <TableBody>
              {query.data.data.map((user) => (
                <TableRow
                  key={user.id}
                  className="cursor-pointer hover:bg-surface-muted"
                  onClick={() => navigate({ to: '/users/$userId', params: { userId: user.id } })}
                >
                  <TableCell>
                    <div className="flex items-center gap-3">
                      <Avatar name={user.name} size="sm" />
                      <div className="min-w-0">
                        <Link
                          to="/users/$userId"
                          params={{ userId: user.id }}
                          className="block truncate font-medium hover:underline"
                          onClick={(event) => event.stopPropagation()}
                        >
                          {user.name}
                        </Link>
                        <span className="block truncate text-xs text-muted-foreground">{user.email}</span>
                      </div>
                    </div>
                  </TableCell>
                  <TableCell className="max-w-md">
                    <RoleBadges roles={user.roles} />
                  </TableCell>
                  <TableCell>
                    <UserStatusBadges user={user} />
                  </TableCell>
                  <TableCell className="text-right whitespace-nowrap text-muted-foreground">
                    {user.lastLoginAt ? (
                      <Tooltip content={formatDateTime(user.lastLoginAt)}>
                        <time dateTime={user.lastLoginAt} tabIndex={-1}>
                          {formatRelative(user.lastLoginAt)}
                        </time>
                      </Tooltip>
                    ) : (
                      'Never'
                    )}
                  </TableCell>
                </TableRow>
              ))}
            </TableBody>
          </Table>
        )}
      </Card>
      {canCreate ? <NewUserDialog open={creating} onOpenChange={setCreating} /> : null}
    </>
  );
}
