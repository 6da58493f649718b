import { zodResolver } from '@hookform/resolvers/zod';
import { useMutation, useQuery, useQueryClient } from '@tanstack/react-query';
import { useEffect } from 'react';
import { FormProvider, useForm } from 'react-hook-form';
import type { z } from 'zod';
import { Dialog, DialogBody, DialogContent, FormDialogFooter } from '../../../components/ui/dialog.tsx';
import { FormError } from '../../../components/ui/form-error.tsx';
import { Skeleton } from '../../../components/ui/skeleton.tsx';
import { toast } from '../../../components/ui/toaster.tsx';
import { applyServerErrors } from '../../../lib/form-errors.ts';
import { rolesQuery } from '../../roles/api/roles-api.ts';
import { studiesQuery } from '../../studies/api/studies-api.ts';
import { assignRole, userKeys } from '../api/users-api.ts';
import { ScopeFields } from './scope-fields.tsx';
import { ScopeSchema, toAssignment } from './scope-schema.ts';

type Values = z.input<typeof ScopeSchema>;
const EMPTY: Values = { roleId: '', studyId: '', expiresOn: '' };

interface AssignRoleDialogProps {
  userId: string;
  userName: string;
  open: boolean;
  onOpenChange: (open: boolean) => void;
}

export function AssignRoleDialog({ userId, userName, open, onOpenChange }: AssignRoleDialogProps) {
  const queryClient = useQueryClient();
  const roles = useQuery(rolesQuery);
  const studies = useQuery(studiesQuery());
  const form = useForm<Values, unknown, z.output<typeof ScopeSchema>>({
    resolver: zodResolver(ScopeSchema),
    defaultValues: EMPTY,
  });
  const { reset } = form;
  useEffect(() => {
    if (open) reset(EMPTY);
  }, [open, reset]);

  const mutation = useMutation({
    mutationFn: (values: z.output<typeof ScopeSchema>) => assignRole(userId, toAssignment(values)),
    onSuccess: async () => {
      await queryClient.invalidateQueries({ queryKey: userKeys.all });
      await queryClient.invalidateQueries({ queryKey: ['roles'] });
      toast.success(`Role assigned to ${userName}`, { description: 'It applies from their next request.' });
      onOpenChange(false);
    },
    onError: (error) => applyServerErrors(form, error),
  });

  return (
    <Dialog open={open} onOpenChange={(next) => !mutation.isPending && onOpenChange(next)}>
      <DialogContent title="Assign role" description={`Give ${userName} a role, for the organization or one study.`}>
        <form onSubmit={form.handleSubmit((values) => mutation.mutate(values))} noValidate className="contents">
          <DialogBody>
            {roles.isPending || studies.isPending ? (
              <Skeleton className="h-28" />
            ) : (
              <FormProvider {...form}>
                <ScopeFields roles={roles.data?.data ?? []} studies={studies.data?.data ?? []} />
              </FormProvider>
            )}
            <FormError message={form.formState.errors.root?.server?.message} />
          </DialogBody>
          <FormDialogFooter
            submitLabel="Assign role"
            pending={mutation.isPending}
            onCancel={() => onOpenChange(false)}
          />
        </form>
      </DialogContent>
    </Dialog>
  );
}
