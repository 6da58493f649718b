import { passwordPolicyProblems, ResetPasswordRequest, type User } from '@cdp/contracts';
import { zodResolver } from '@hookform/resolvers/zod';
import { useMutation, useQueryClient } from '@tanstack/react-query';
import { useEffect, useMemo, useState } from 'react';
import { Controller, useForm } from 'react-hook-form';
import type { z } from 'zod';
import { Alert } from '../../../components/ui/alert.tsx';
import { Button } from '../../../components/ui/button.tsx';
import { CopyButton } from '../../../components/ui/copy-button.tsx';
import { Dialog, DialogBody, DialogContent, DialogFooter, FormDialogFooter } from '../../../components/ui/dialog.tsx';
import { FormError } from '../../../components/ui/form-error.tsx';
import { toast } from '../../../components/ui/toaster.tsx';
import { applyServerErrors } from '../../../lib/form-errors.ts';
import { resetPassword, userKeys } from '../api/users-api.ts';
import { TemporaryPasswordField } from './temporary-password-field.tsx';

type Values = z.input<typeof ResetPasswordRequest>;

interface ResetPasswordDialogProps {
  user: User;
  open: boolean;
  onOpenChange: (open: boolean) => void;
}

export function ResetPasswordDialog({ user, open, onOpenChange }: ResetPasswordDialogProps) {
  const queryClient = useQueryClient();
  const [issued, setIssued] = useState<string | null>(null);
  const schema = useMemo(
    () =>
      ResetPasswordRequest.superRefine(({ temporaryPassword }, ctx) => {
        for (const message of passwordPolicyProblems(temporaryPassword, user.email)) {
          if (!message.startsWith('Use at least'))
            ctx.addIssue({ code: 'custom', path: ['temporaryPassword'], message });
        }
      }),
    [user.email],
  );
  const form = useForm<Values>({ resolver: zodResolver(schema), defaultValues: { temporaryPassword: '' } });
  const { reset } = form;
  useEffect(() => {
    if (open) {
      reset({ temporaryPassword: '' });
      setIssued(null);
    }
  }, [open, reset]);

  const mutation = useMutation({
    mutationFn: ({ temporaryPassword }: Values) => resetPassword(user.id, temporaryPassword),
    onSuccess: async (_result, { temporaryPassword }) => {
      await queryClient.invalidateQueries({ queryKey: userKeys.all });
      toast.success(`Password reset for ${user.name}`);
      setIssued(temporaryPassword);
    },
    onError: (error) => applyServerErrors(form, error),
  });

  return (
    <Dialog open={open} onOpenChange={(next) => !mutation.isPending && onOpenChange(next)}>
      <DialogContent
        title={issued ? 'Temporary password set' : `Reset password for ${user.name}`}
        description={issued ? undefined : 'Their sessions end, and they must choose a new password at next sign-in.'}
      >
        {issued ? (
          <>
            <DialogBody>
              <Alert tone="success">
                Share this password with {user.name} through a secure channel. It is not shown again.
              </Alert>
              <div className="flex items-center justify-between gap-3 rounded-md border border-border bg-surface-muted p-4">
                <span className="truncate font-mono text-[13px] font-medium">{issued}</span>
                <CopyButton value={issued} label="Copy temporary password" />
              </div>
            </DialogBody>
            <DialogFooter>
              <Button onClick={() => onOpenChange(false)}>Done</Button>
            </DialogFooter>
          </>
        ) : (
          <form onSubmit={form.handleSubmit((values) => mutation.mutate(values))} noValidate className="contents">
            <DialogBody>
              <Controller
                control={form.control}
                name="temporaryPassword"
                render={({ field, fieldState }) => (
                  <TemporaryPasswordField
                    label="New temporary password"
                    value={field.value}
                    onChange={field.onChange}
                    onBlur={field.onBlur}
                    error={fieldState.error?.message}
                    email={user.email}
                  />
                )}
              />
              <FormError message={form.formState.errors.root?.server?.message} />
            </DialogBody>
            <FormDialogFooter
              submitLabel="Reset password"
              pending={mutation.isPending}
              onCancel={() => onOpenChange(false)}
            />
          </form>
        )}
      </DialogContent>
    </Dialog>
  );
}
