import type { RoleAssignment, User } from '@cdp/contracts';
import { useQueryClient } from '@tanstack/react-query';
import { Plus, ShieldPlus, Trash2 } from 'lucide-react';
import { useState } from 'react';
import { Badge } from '../../../components/ui/badge.tsx';
import { Button } from '../../../components/ui/button.tsx';
import { Card, CardHeader } from '../../../components/ui/card.tsx';
import { EmptyState } from '../../../components/ui/empty-state.tsx';
import { ReasonDialog } from '../../../components/ui/reason-dialog.tsx';
import { Table, TableBody, TableCell, TableHead, TableHeader, TableRow } from '../../../components/ui/table.tsx';
import { toast } from '../../../components/ui/toaster.tsx';
import { formatDate } from '../../../lib/format.ts';
import { revokeRole, userKeys } from '../api/users-api.ts';
import { AssignRoleDialog } from './assign-role-dialog.tsx';

interface RoleAssignmentsCardProps {
  user: User;
  canManage: boolean;
}

export function RoleAssignmentsCard({ user, canManage }: RoleAssignmentsCardProps) {
  const queryClient = useQueryClient();
  const [assigning, setAssigning] = useState(false);
  const [revoking, setRevoking] = useState<RoleAssignment | null>(null);
  const assign = canManage ? (
    <Button size="sm" onClick={() => setAssigning(true)}>
      <Plus />
      Assign role
    </Button>
  ) : null;

  return (
    <Card>
      <CardHeader
        title="Role assignments"
        description="What this person may do. A role limited to a study applies to that study only."
        actions={user.roles.length > 0 ? assign : null}
      />
      {user.roles.length === 0 ? (
        <EmptyState
          icon={ShieldPlus}
          title="No roles"
          description="Without a role this person can sign in but sees nothing. Assign one to give access."
          action={assign}
        />
      ) : (
        <Table>
          <TableHeader>
            <TableRow>
              <TableHead>Role</TableHead>
              <TableHead>Scope</TableHead>
              <TableHead>Expires</TableHead>
              <TableHead>Assigned</TableHead>
              {canManage ? (
                <TableHead>
                  <span className="sr-only">Actions</span>
                </TableHead>
              ) : null}
            </TableRow>
          </TableHeader>
          <TableBody>
            {user.roles.map((role) => (
              <TableRow key={role.id}>
                <TableCell className="font-medium">{role.roleName}</TableCell>
                <TableCell>
                  {role.studyCode ? (
                    <Badge tone="info">Study {role.studyCode}</Badge>
                  ) : (
                    <span className="text-muted-foreground">Whole organization</span>
                  )}
                </TableCell>
                <TableCell>
                  {role.expired ? (
                    <Badge tone="muted">Expired {formatDate(role.expiresAt)}</Badge>
                  ) : role.expiresAt ? (
                    formatDate(role.expiresAt)
                  ) : (
                    <span className="text-muted-foreground">Never</span>
                  )}
                </TableCell>
                <TableCell className="text-muted-foreground">{formatDate(role.createdAt)}</TableCell>
                {canManage ? (
                  <TableCell className="text-right">
                    <Button
                      variant="ghost"
                      size="sm"
                      className="text-destructive hover:bg-destructive-soft"
                      onClick={() => setRevoking(role)}
                      aria-label={`Revoke ${role.roleName}${role.studyCode ? ` on ${role.studyCode}` : ''}`}
                    >
                      <Trash2 />
                      Revoke
                    </Button>
                  </TableCell>
                ) : null}
              </TableRow>
            ))}
          </TableBody>
        </Table>
      )}
      {canManage ? (
        <>
          <AssignRoleDialog userId={user.id} userName={user.name} open={assigning} onOpenChange={setAssigning} />
          <ReasonDialog
            open={revoking !== null}
            onOpenChange={(open) => !open && setRevoking(null)}
            title={`Revoke ${revoking?.roleName ?? 'role'}?`}
            description={`${user.name} loses this role${revoking?.studyCode ? ` on study ${revoking.studyCode}` : ''} from their next request.`}
            confirmLabel="Revoke role"
            tone="destructive"
            reasonRequired={false}
            onConfirm={async (reason) => {
              if (!revoking) return;
              await revokeRole(user.id, revoking.id, reason);
              await queryClient.invalidateQueries({ queryKey: userKeys.all });
              await queryClient.invalidateQueries({ queryKey: ['roles'] });
              toast.success(`${revoking.roleName} revoked`);
            }}
          />
        </>
      ) : null}
    </Card>
  );
}
