import { CreateOrganizationRequest, FirstAdmin, passwordPolicyProblems } from '@cdp/contracts';
import { zodResolver } from '@hookform/resolvers/zod';
import { useMutation, useQueryClient } from '@tanstack/react-query';
import { useNavigate } from '@tanstack/react-router';
import { useEffect } from 'react';
import { Controller, useForm, useWatch } from 'react-hook-form';
import { z } from 'zod';
import { Checkbox } from '../../../components/ui/checkbox.tsx';
import { Dialog, DialogBody, DialogContent, FormDialogFooter } from '../../../components/ui/dialog.tsx';
import { FormError } from '../../../components/ui/form-error.tsx';
import { FormField } from '../../../components/ui/form-field.tsx';
import { Input } from '../../../components/ui/input.tsx';
import { toast } from '../../../components/ui/toaster.tsx';
import { applyServerErrors } from '../../../lib/form-errors.ts';
import { TemporaryPasswordField } from '../../users/components/temporary-password-field.tsx';
import { createOrganization, platformKeys } from '../api/platform-api.ts';
import { QuotaText, quotaValue } from './quota-schema.ts';

const ADMIN_FIELDS = { email: 'adminEmail', name: 'adminName', temporaryPassword: 'adminPassword' } as const;

/** The API's organization schema; quotas as text; the optional first admin checked with FirstAdmin. */
const Schema = CreateOrganizationRequest.pick({ code: true, name: true })
  .extend({
    maxStudies: QuotaText,
    maxUsers: QuotaText,
    withAdmin: z.boolean(),
    adminName: z.string(),
    adminEmail: z.string(),
    adminPassword: z.string(),
  })
  .superRefine((values, ctx) => {
    if (!values.withAdmin) return;
    const admin = { email: values.adminEmail, name: values.adminName, temporaryPassword: values.adminPassword };
    const parsed = FirstAdmin.safeParse(admin);
    for (const issue of parsed.error?.issues ?? []) {
      const field = ADMIN_FIELDS[issue.path[0] as keyof typeof ADMIN_FIELDS];
      if (field) ctx.addIssue({ code: 'custom', path: [field], message: issue.message });
    }
    for (const message of passwordPolicyProblems(values.adminPassword, values.adminEmail)) {
      if (!message.startsWith('Use at least')) ctx.addIssue({ code: 'custom', path: ['adminPassword'], message });
    }
  });
type Values = z.input<typeof Schema>;
type Output = z.output<typeof Schema>;

const EMPTY: Values = {
  code: '',
  name: '',
  maxStudies: '',
  maxUsers: '',
  withAdmin: true,
  adminName: '',
  adminEmail: '',
  adminPassword: '',
};

export function NewOrganizationDialog({
  open,
  onOpenChange,
}: {
  open: boolean;
  onOpenChange: (open: boolean) => void;
}) {
  const queryClient = useQueryClient();
  const navigate = useNavigate();
  const form = useForm<Values, unknown, Output>({ resolver: zodResolver(Schema), defaultValues: EMPTY });
  const { reset } = form;
  useEffect(() => {
    if (open) reset(EMPTY);
  }, [open, reset]);
  const withAdmin = useWatch({ control: form.control, name: 'withAdmin' });
  const adminEmail = useWatch({ control: form.control, name: 'adminEmail' });

  const mutation = useMutation({
    mutationFn: (values: Output) =>
      createOrganization({
        code: values.code,
        name: values.name,
        quotas: { maxStudies: quotaValue(values.maxStudies), maxUsers: quotaValue(values.maxUsers) },
        ...(values.withAdmin
          ? { admin: { email: values.adminEmail, name: values.adminName, temporaryPassword: values.adminPassword } }
          : {}),
      }),
    onSuccess: async ({ data }) => {
      await queryClient.invalidateQueries({ queryKey: platformKeys.all });
      toast.success(`${data.name} created`);
      onOpenChange(false);
      await navigate({ to: '/platform/organizations/$orgId', params: { orgId: data.id } });
    },
    onError: (error) =>
      applyServerErrors(form, error, {
        'admin.email': 'adminEmail',
        'admin.name': 'adminName',
        'admin.temporaryPassword': 'adminPassword',
        'quotas.maxStudies': 'maxStudies',
        'quotas.maxUsers': 'maxUsers',
      }),
  });
  const { errors } = form.formState;

  return (
    <Dialog open={open} onOpenChange={(next) => !mutation.isPending && onOpenChange(next)}>
      <DialogContent
        title="New organization"
        description="A tenant: a sponsor or CRO with its own users, studies and audit trail."
        size="lg"
      >
        <form onSubmit={form.handleSubmit((values) => mutation.mutate(values))} noValidate className="contents">
          <DialogBody>
            <div className="grid gap-5 sm:grid-cols-[2fr_1fr]">
              <FormField label="Name" error={errors.name?.message} required>
                {(control) => (
                  <Input {...control} {...form.register('name')} autoFocus placeholder="e.g. Acme Biotech" />
                )}
              </FormField>
              <FormField label="Code" error={errors.code?.message} required hint="Lowercase, e.g. acme">
                {(control) => (
                  <Input {...control} {...form.register('code')} className="font-mono" spellCheck={false} />
                )}
              </FormField>
            </div>
            <div className="grid gap-5 sm:grid-cols-2">
              <FormField label="Maximum studies" error={errors.maxStudies?.message} hint="Empty means unlimited.">
                {(control) => (
                  <Input {...control} {...form.register('maxStudies')} inputMode="numeric" placeholder="Unlimited" />
                )}
              </FormField>
              <FormField label="Maximum users" error={errors.maxUsers?.message} hint="Empty means unlimited.">
                {(control) => (
                  <Input {...control} {...form.register('maxUsers')} inputMode="numeric" placeholder="Unlimited" />
                )}
              </FormField>
            </div>
            <div className="space-y-4 rounded-md border border-border p-4">
              <div className="flex items-center gap-2">
                <Controller
                  control={form.control}
                  name="withAdmin"
                  render={({ field }) => (
                    <Checkbox
                      id="with-admin"
                      checked={field.value}
                      onCheckedChange={(c) => field.onChange(c === true)}
                    />
                  )}
                />
                <label htmlFor="with-admin" className="text-[13px] font-medium">
                  Create the first organization administrator
                </label>
              </div>
              {withAdmin ? (
                <>
                  <div className="grid gap-5 sm:grid-cols-2">
                    <FormField label="Administrator name" error={errors.adminName?.message} required>
                      {(control) => <Input {...control} {...form.register('adminName')} autoComplete="off" />}
                    </FormField>
                    <FormField label="Administrator e-mail" error={errors.adminEmail?.message} required>
                      {(control) => (
                        <Input {...control} {...form.register('adminEmail')} type="email" autoComplete="off" />
                      )}
                    </FormField>
                  </div>
                  <Controller
                    control={form.control}
                    name="adminPassword"
                    render={({ field, fieldState }) => (
                      <TemporaryPasswordField
                        value={field.value}
                        onChange={field.onChange}
                        onBlur={field.onBlur}
                        error={fieldState.error?.message}
                        email={adminEmail}
                      />
                    )}
                  />
                </>
              ) : null}
            </div>
            <FormError message={errors.root?.server?.message} />
          </DialogBody>
          <FormDialogFooter
            submitLabel="Create organization"
            pending={mutation.isPending}
            onCancel={() => onOpenChange(false)}
          />
        </form>
      </DialogContent>
    </Dialog>
  );
}
