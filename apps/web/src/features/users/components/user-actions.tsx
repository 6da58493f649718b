import type { User } from '@cdp/contracts';
import { useMutation, useQueryClient } from '@tanstack/react-query';
import { KeyRound, ShieldOff, Unlock, UserCheck, UserX } from 'lucide-react';
import { useState } from 'react';
import { Button } from '../../../components/ui/button.tsx';
import { ReasonDialog } from '../../../components/ui/reason-dialog.tsx';
import { toast } from '../../../components/ui/toaster.tsx';
import { errorMessage } from '../../../lib/api-error.ts';
import { resetUserMfa } from '../../auth/api/mfa-api.ts';
import { deactivateUser, isLocked, reactivateUser, unlockUser, userKeys } from '../api/users-api.ts';
import { ResetPasswordDialog } from './reset-password-dialog.tsx';

type Dialog = 'reset' | 'deactivate' | 'reactivate' | 'mfa' | null;

/** Account actions for an administrator: reset password, unlock, deactivate, reactivate. */
export function UserActions({ user, isSelf }: { user: User; isSelf: boolean }) {
  const queryClient = useQueryClient();
  const [open, setOpen] = useState<Dialog>(null);
  const refresh = async () => {
    await queryClient.invalidateQueries({ queryKey: userKeys.all });
    await queryClient.invalidateQueries({ queryKey: ['audit'] });
  };
  const unlock = useMutation({
    mutationFn: () => unlockUser(user.id),
    onSuccess: async () => {
      await refresh();
      toast.success(`${user.name} can sign in again`);
    },
    onError: (error) => toast.error('Could not unlock', { description: errorMessage(error) }),
  });
  const active = user.status === 'active';

  return (
    <>
      {isLocked(user) ? (
        <Button variant="secondary" onClick={() => unlock.mutate()} loading={unlock.isPending}>
          {unlock.isPending ? null : <Unlock />}
          Unlock
        </Button>
      ) : null}
      {active ? (
        <Button variant="secondary" onClick={() => setOpen('reset')}>
          <KeyRound />
          Reset password
        </Button>
      ) : null}
      {active && !isSelf ? (
        <Button variant="secondary" onClick={() => setOpen('mfa')}>
          <ShieldOff />
          Reset two-factor
        </Button>
      ) : null}
      {active && !isSelf ? (
        <Button variant="destructive-outline" onClick={() => setOpen('deactivate')}>
          <UserX />
          Deactivate
        </Button>
      ) : null}
      {!active ? (
        <Button variant="secondary" onClick={() => setOpen('reactivate')}>
          <UserCheck />
          Reactivate
        </Button>
      ) : null}

      <ResetPasswordDialog user={user} open={open === 'reset'} onOpenChange={(o) => setOpen(o ? 'reset' : null)} />
      <ReasonDialog
        open={open === 'deactivate'}
        onOpenChange={(o) => setOpen(o ? 'deactivate' : null)}
        title={`Deactivate ${user.name}?`}
        description="They can no longer sign in and their open sessions end at once. Their history stays in the audit trail, and you can reactivate them later."
        confirmLabel="Deactivate"
        tone="destructive"
        onConfirm={async (reason) => {
          await deactivateUser(user.id, reason);
          await refresh();
          toast.success(`${user.name} deactivated`);
        }}
      />
      <ReasonDialog
        open={open === 'mfa'}
        onOpenChange={(o) => setOpen(o ? 'mfa' : null)}
        title={`Reset ${user.name}'s two-factor sign-in?`}
        description="Their authenticator app and recovery codes stop working; they sign in with the password and set up a new app (at once, when your organization requires it)."
        confirmLabel="Reset two-factor"
        tone="destructive"
        onConfirm={async (reason) => {
          await resetUserMfa(user.id, reason);
          await refresh();
          toast.success(`${user.name}'s two-factor sign-in was reset`);
        }}
      />
      <ReasonDialog
        open={open === 'reactivate'}
        onOpenChange={(o) => setOpen(o ? 'reactivate' : null)}
        title={`Reactivate ${user.name}?`}
        description="They can sign in again with their existing password and roles."
        confirmLabel="Reactivate"
        onConfirm={async (reason) => {
          await reactivateUser(user.id, reason);
          await refresh();
          toast.success(`${user.name} reactivated`);
        }}
      />
    </>
  );
}
