import type { Role } from '@cdp/contracts';
import { useQuery, useQueryClient } from '@tanstack/react-query';
import { createRoute } from '@tanstack/react-router';
import { Plus, ShieldPlus } from 'lucide-react';
import { useState } from 'react';
import { RequirePermission } from '../components/layout/no-access.tsx';
import { Button } from '../components/ui/button.tsx';
import { Card } from '../components/ui/card.tsx';
import { ConfirmDialog } from '../components/ui/confirm-dialog.tsx';
import { EmptyState } from '../components/ui/empty-state.tsx';
import { ErrorState } from '../components/ui/error-state.tsx';
import { PageHeader } from '../components/ui/page-header.tsx';
import { Skeleton } from '../components/ui/skeleton.tsx';
import { toast } from '../components/ui/toaster.tsx';
import { useCan } from '../features/auth/hooks/use-me.ts';
import { deleteRole, roleKeys, rolesQuery } from '../features/roles/api/roles-api.ts';
import { RoleCard } from '../features/roles/components/role-card.tsx';
import { RoleFormDialog } from '../features/roles/components/role-form-dialog.tsx';
import { UsersTabs } from '../features/users/components/users-tabs.tsx';
import { appRoute } from './app.tsx';

export const rolesRoute = createRoute({
  getParentRoute: () => appRoute,
  path: '/users/roles',
  component: () => (
    <RequirePermission permission="user:view:own">
      <RolesPage />
    </RequirePermission>
  ),
});

function RolesPage() {
  const query = useQuery(rolesQuery);
  const queryClient = useQueryClient();
  const canManage = useCan('organization:manage:own');
  const [editing, setEditing] = useState<Role | 'new' | null>(null);
  const [deleting, setDeleting] = useState<Role | null>(null);
  const system = query.data?.data.filter((r) => r.isSystem) ?? [];
  const custom = query.data?.data.filter((r) => !r.isSystem) ?? [];
  const newRole = canManage ? (
    <Button onClick={() => setEditing('new')}>
      <Plus />
      New role
    </Button>
  ) : null;

  return (
    <>
      <PageHeader
        title="Users"
        description="People in your organization, their roles and their access to studies."
        actions={newRole}
      />
      <UsersTabs />
      {query.isPending ? (
        <div className="grid gap-4 lg:grid-cols-2" role="status" aria-label="Loading roles">
          {[0, 1, 2, 3].map((i) => (
            <Skeleton key={i} className="h-48 rounded-lg" />
          ))}
        </div>
      ) : query.isError ? (
        <Card>
          <ErrorState error={query.error} what="roles" onRetry={() => query.refetch()} retrying={query.isFetching} />
        </Card>
      ) : (
        <div className="space-y-10">
          <section aria-labelledby="custom-roles">
            <div className="mb-3">
              <h2 id="custom-roles" className="text-sm font-semibold">
                Custom roles
              </h2>
              <p className="text-[13px] text-muted-foreground">
                Roles your organization defined for its own way of working.
              </p>
            </div>
            {custom.length === 0 ? (
              <Card>
                <EmptyState
                  icon={ShieldPlus}
                  title="No custom roles"
                  description={
                    canManage
                      ? 'When the system roles do not fit, combine exactly the permissions a team needs.'
                      : 'Your organization has not defined any custom roles.'
                  }
                  action={newRole}
                />
              </Card>
            ) : (
              <div className="grid items-start gap-4 lg:grid-cols-2">
                {custom.map((role) => (
                  <RoleCard
                    key={role.id}
                    role={role}
                    onEdit={canManage ? () => setEditing(role) : undefined}
                    onDelete={canManage ? () => setDeleting(role) : undefined}
                  />
                ))}
              </div>
            )}
          </section>
          <section aria-labelledby="system-roles">
            <div className="mb-3">
              <h2 id="system-roles" className="text-sm font-semibold">
                System roles
              </h2>
              <p className="text-[13px] text-muted-foreground">Defined by CDP and kept up to date with the product.</p>
            </div>
            <div className="grid gap-4 lg:grid-cols-2">
              {system.map((role) => (
                <RoleCard key={role.id} role={role} />
              ))}
            </div>
          </section>
        </div>
      )}
      {canManage ? (
        <>
          <RoleFormDialog
            role={editing === 'new' || editing === null ? undefined : editing}
            open={editing !== null}
            onOpenChange={(open) => !open && setEditing(null)}
          />
          <ConfirmDialog
            open={deleting !== null}
            onOpenChange={(open) => !open && setDeleting(null)}
            title={`Delete ${deleting?.name ?? 'role'}?`}
            description={
              deleting && deleting.assignments > 0
                ? `${deleting.name} is still assigned ${deleting.assignments} time(s). Revoke those assignments first.`
                : 'Nobody holds this role. Deleting it cannot be undone.'
            }
            confirmLabel="Delete role"
            tone="destructive"
            onConfirm={async () => {
              if (!deleting) return;
              await deleteRole(deleting.id);
              await queryClient.invalidateQueries({ queryKey: roleKeys.all });
              toast.success(`${deleting.name} deleted`);
            }}
          />
        </>
      ) : null}
    </>
  );
}
