import { UpdateUserRequest, type User } from '@cdp/contracts';
import { zodResolver } from '@hookform/resolvers/zod';
import { useMutation, useQueryClient } from '@tanstack/react-query';
import { useEffect } from 'react';
import { useForm } from 'react-hook-form';
import type { z } from 'zod';
import { Dialog, DialogBody, DialogContent, FormDialogFooter } from '../../../components/ui/dialog.tsx';
import { FormError } from '../../../components/ui/form-error.tsx';
import { FormField } from '../../../components/ui/form-field.tsx';
import { Input } from '../../../components/ui/input.tsx';
import { toast } from '../../../components/ui/toaster.tsx';
import { applyServerErrors } from '../../../lib/form-errors.ts';
import { renameUser, userKeys } from '../api/users-api.ts';

type Values = z.input<typeof UpdateUserRequest>;

export function RenameUserDialog({
  user,
  open,
  onOpenChange,
}: {
  user: User;
  open: boolean;
  onOpenChange: (open: boolean) => void;
}) {
  const queryClient = useQueryClient();
  const form = useForm<Values>({ resolver: zodResolver(UpdateUserRequest), defaultValues: { name: user.name } });
  const { reset } = form;
  useEffect(() => {
    if (open) reset({ name: user.name });
  }, [open, reset, user.name]);
  const mutation = useMutation({
    mutationFn: ({ name }: Values) => renameUser(user.id, name),
    onSuccess: async () => {
      await queryClient.invalidateQueries({ queryKey: userKeys.all });
      toast.success('Name updated');
      onOpenChange(false);
    },
    onError: (error) => applyServerErrors(form, error),
  });
  return (
    <Dialog open={open} onOpenChange={(next) => !mutation.isPending && onOpenChange(next)}>
      <DialogContent title="Edit name" size="sm">
        <form onSubmit={form.handleSubmit((values) => mutation.mutate(values))} noValidate className="contents">
          <DialogBody>
            <FormField label="Full name" error={form.formState.errors.name?.message} required>
              {(control) => <Input {...control} {...form.register('name')} autoFocus />}
            </FormField>
            <FormError message={form.formState.errors.root?.server?.message} />
          </DialogBody>
          <FormDialogFooter submitLabel="Save" pending={mutation.isPending} onCancel={() => onOpenChange(false)} />
        </form>
      </DialogContent>
    </Dialog>
  );
}
