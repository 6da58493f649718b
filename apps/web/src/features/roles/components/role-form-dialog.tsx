import { CreateRoleRequest, type Role } from '@cdp/contracts';
import { zodResolver } from '@hookform/resolvers/zod';
import { useMutation, useQuery, useQueryClient } from '@tanstack/react-query';
import { useEffect } from 'react';
import { Controller, useForm } from 'react-hook-form';
import type { z } from 'zod';
import { Dialog, DialogBody, DialogContent, FormDialogFooter } from '../../../components/ui/dialog.tsx';
import { ErrorState } from '../../../components/ui/error-state.tsx';
import { FormError } from '../../../components/ui/form-error.tsx';
import { FormField } from '../../../components/ui/form-field.tsx';
import { Input } from '../../../components/ui/input.tsx';
import { Skeleton } from '../../../components/ui/skeleton.tsx';
import { Textarea } from '../../../components/ui/textarea.tsx';
import { toast } from '../../../components/ui/toaster.tsx';
import { applyServerErrors } from '../../../lib/form-errors.ts';
import { createRole, permissionsQuery, roleKeys, updateRole } from '../api/roles-api.ts';
import { PermissionChecklist } from './permission-checklist.tsx';

type Values = z.input<typeof CreateRoleRequest>;
type Output = z.output<typeof CreateRoleRequest>;

interface RoleFormDialogProps {
  /** The custom role to edit; absent to create one. */
  role?: Role;
  open: boolean;
  onOpenChange: (open: boolean) => void;
}

function valuesOf(role?: Role): Values {
  return role
    ? { key: role.key, name: role.name, description: role.description, permissions: role.permissions }
    : { key: '', name: '', description: '', permissions: [] };
}

/**
 * Creates or edits a custom role. Edits validate with the same schema as creation (the key is
 * read-only then), and send only what UpdateRoleRequest accepts.
 */
export function RoleFormDialog({ role, open, onOpenChange }: RoleFormDialogProps) {
  const queryClient = useQueryClient();
  const catalogue = useQuery(permissionsQuery);
  const form = useForm<Values, unknown, Output>({
    resolver: zodResolver(CreateRoleRequest),
    defaultValues: valuesOf(role),
  });
  const { reset } = form;
  useEffect(() => {
    if (open) reset(valuesOf(role));
  }, [open, reset, role]);

  const mutation = useMutation({
    mutationFn: (values: Output) =>
      role
        ? updateRole(role.id, { name: values.name, description: values.description, permissions: values.permissions })
        : createRole(values),
    onSuccess: async ({ data }) => {
      await queryClient.invalidateQueries({ queryKey: roleKeys.all });
      toast.success(role ? `${data.name} updated` : `${data.name} created`, {
        description: role ? 'Holders get the new permissions on their next request.' : undefined,
      });
      onOpenChange(false);
    },
    onError: (error) => applyServerErrors(form, error),
  });
  const { errors } = form.formState;
  const assignable = catalogue.data?.data.filter((p) => p.assignable) ?? [];

  return (
    <Dialog open={open} onOpenChange={(next) => !mutation.isPending && onOpenChange(next)}>
      <DialogContent
        title={role ? `Edit ${role.name}` : 'New role'}
        description="Custom roles combine organization-level permissions. Assign them like system roles."
        size="lg"
      >
        <form onSubmit={form.handleSubmit((values) => mutation.mutate(values))} noValidate className="contents">
          <DialogBody>
            <div className="grid gap-5 sm:grid-cols-2">
              <FormField label="Name" error={errors.name?.message} required>
                {(control) => (
                  <Input {...control} {...form.register('name')} autoFocus placeholder="e.g. Data manager" />
                )}
              </FormField>
              <FormField
                label="Key"
                error={errors.key?.message}
                required
                hint={role ? 'The key cannot change.' : 'Lowercase letters, digits and underscores, e.g. data_manager.'}
              >
                {(control) => (
                  <Input
                    {...control}
                    {...form.register('key')}
                    readOnly={Boolean(role)}
                    className="font-mono"
                    spellCheck={false}
                    autoComplete="off"
                  />
                )}
              </FormField>
            </div>
            <FormField label="Description" error={errors.description?.message} optional>
              {(control) => (
                <Textarea
                  {...control}
                  {...form.register('description')}
                  rows={2}
                  placeholder="Who should hold this role"
                />
              )}
            </FormField>
            <div className="space-y-2">
              <p className="text-[13px] font-medium" id="role-permissions-label">
                Permissions
              </p>
              {catalogue.isPending ? (
                <Skeleton className="h-48" />
              ) : catalogue.isError ? (
                <ErrorState error={catalogue.error} what="permissions" onRetry={() => catalogue.refetch()} />
              ) : (
                <Controller
                  control={form.control}
                  name="permissions"
                  render={({ field }) => (
                    <PermissionChecklist
                      permissions={assignable}
                      value={field.value}
                      onChange={field.onChange}
                      invalid={Boolean(errors.permissions)}
                      describedBy={errors.permissions ? 'role-permissions-error' : undefined}
                    />
                  )}
                />
              )}
              {errors.permissions ? (
                <p id="role-permissions-error" className="text-[13px] text-destructive">
                  {errors.permissions.message ?? errors.permissions.root?.message}
                </p>
              ) : null}
            </div>
            <FormError message={errors.root?.server?.message} />
          </DialogBody>
          <FormDialogFooter
            submitLabel={role ? 'Save changes' : 'Create role'}
            pending={mutation.isPending}
            onCancel={() => onOpenChange(false)}
          />
        </form>
      </DialogContent>
    </Dialog>
  );
}
