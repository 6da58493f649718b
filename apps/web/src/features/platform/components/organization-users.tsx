import type { Organization } from '@cdp/contracts';
import { useQuery } from '@tanstack/react-query';
import { Eye, Users } from 'lucide-react';
import { useState } from 'react';
import { Alert } from '../../../components/ui/alert.tsx';
import { Button } from '../../../components/ui/button.tsx';
import { Card, CardHeader } from '../../../components/ui/card.tsx';
import { EmptyState } from '../../../components/ui/empty-state.tsx';
import { ErrorState } from '../../../components/ui/error-state.tsx';
import { TableSkeleton } from '../../../components/ui/skeleton.tsx';
import { Table, TableBody, TableCell, TableHead, TableHeader, TableRow } from '../../../components/ui/table.tsx';
import { formatRelative } from '../../../lib/format.ts';
import { RoleBadges, UserStatusBadges } from '../../users/components/user-badges.tsx';
import { organizationUsersQuery } from '../api/platform-api.ts';

/** A tenant's users, loaded only when asked for: the look is recorded in the tenant's audit trail. */
export function OrganizationUsers({ org }: { org: Organization }) {
  const [requested, setRequested] = useState(false);
  const query = useQuery({ ...organizationUsersQuery(org.id), enabled: requested });
  return (
    <Card>
      <CardHeader title="Users" description={`People in ${org.name}.`} />
      {!requested ? (
        <div className="space-y-4 px-5 py-5">
          <Alert tone="warning" title="This look is recorded">
            Viewing the users of {org.name} is written to {org.name}’s own audit trail (platform support access), so its
            administrators can see who looked and when.
          </Alert>
          <Button variant="secondary" onClick={() => setRequested(true)}>
            <Eye />
            View users
          </Button>
        </div>
      ) : query.isPending ? (
        <TableSkeleton rows={4} columns={4} />
      ) : query.isError ? (
        <ErrorState error={query.error} what="users" onRetry={() => query.refetch()} retrying={query.isFetching} />
      ) : query.data.data.length === 0 ? (
        <EmptyState icon={Users} title="No users" description="This organization has no users yet." />
      ) : (
        <>
          <p className="border-b border-border px-5 py-2.5 text-xs text-muted-foreground">
            Your view was recorded in {org.name}’s audit trail.
          </p>
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
                <TableRow key={user.id}>
                  <TableCell>
                    <span className="block font-medium">{user.name}</span>
                    <span className="block text-xs text-muted-foreground">{user.email}</span>
                  </TableCell>
                  <TableCell>
                    <RoleBadges roles={user.roles} />
                  </TableCell>
                  <TableCell>
                    <UserStatusBadges user={user} />
                  </TableCell>
                  <TableCell className="text-right whitespace-nowrap text-muted-foreground">
                    {user.lastLoginAt ? formatRelative(user.lastLoginAt) : 'Never'}
                  </TableCell>
                </TableRow>
              ))}
            </TableBody>
          </Table>
        </>
      )}
    </Card>
  );
}
