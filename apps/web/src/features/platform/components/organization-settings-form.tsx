import { type Organization, UpdateOrganizationRequest } from '@cdp/contracts';
import { zodResolver } from '@hookform/resolvers/zod';
import { useMutation, useQueryClient } from '@tanstack/react-query';
import { useEffect } from 'react';
import { useForm } from 'react-hook-form';
import type { z } from 'zod';
import { Button } from '../../../components/ui/button.tsx';
import { Card, CardBody, CardFooter, CardHeader } from '../../../components/ui/card.tsx';
import { FormError } from '../../../components/ui/form-error.tsx';
import { FormField } from '../../../components/ui/form-field.tsx';
import { Input } from '../../../components/ui/input.tsx';
import { toast } from '../../../components/ui/toaster.tsx';
import { applyServerErrors } from '../../../lib/form-errors.ts';
import { QuotaMeter } from '../../organization/components/quota-meter.tsx';
import { platformKeys, updateOrganization } from '../api/platform-api.ts';
import { QuotaText, quotaText, quotaValue } from './quota-schema.ts';

const Schema = UpdateOrganizationRequest.pick({ name: true }).extend({ maxStudies: QuotaText, maxUsers: QuotaText });
type Values = z.input<typeof Schema>;

function valuesOf(org: Organization): Values {
  return { name: org.name, maxStudies: quotaText(org.quotas.maxStudies), maxUsers: quotaText(org.quotas.maxUsers) };
}

/** Name and quotas of a tenant, saved together. */
export function OrganizationSettingsForm({ org, canManage }: { org: Organization; canManage: boolean }) {
  const queryClient = useQueryClient();
  const form = useForm<Values>({ resolver: zodResolver(Schema), defaultValues: valuesOf(org) });
  const { reset } = form;
  useEffect(() => reset(valuesOf(org)), [org, reset]);
  const mutation = useMutation({
    mutationFn: (values: Values) =>
      updateOrganization(org.id, {
        name: values.name,
        quotas: { maxStudies: quotaValue(values.maxStudies), maxUsers: quotaValue(values.maxUsers) },
      }),
    onSuccess: async (result) => {
      queryClient.setQueryData(platformKeys.detail(org.id), result);
      await queryClient.invalidateQueries({ queryKey: platformKeys.all });
      toast.success('Organization saved');
    },
    onError: (error) =>
      applyServerErrors(form, error, { 'quotas.maxStudies': 'maxStudies', 'quotas.maxUsers': 'maxUsers' }),
  });
  const { errors } = form.formState;
  return (
    <Card>
      <CardHeader title="General" description="The name its users see, and how much it may use." />
      <form onSubmit={form.handleSubmit((values) => mutation.mutate(values))} noValidate>
        <CardBody className="space-y-5">
          <FormField label="Name" error={errors.name?.message} required>
            {(control) => <Input {...control} {...form.register('name')} readOnly={!canManage} />}
          </FormField>
          <div className="grid gap-5 sm:grid-cols-2">
            <div className="space-y-3">
              <FormField label="Maximum studies" error={errors.maxStudies?.message} hint="Empty means unlimited.">
                {(control) => (
                  <Input
                    {...control}
                    {...form.register('maxStudies')}
                    inputMode="numeric"
                    placeholder="Unlimited"
                    readOnly={!canManage}
                  />
                )}
              </FormField>
              <QuotaMeter label="Studies" used={org.usage.studies} limit={org.quotas.maxStudies} />
            </div>
            <div className="space-y-3">
              <FormField label="Maximum users" error={errors.maxUsers?.message} hint="Empty means unlimited.">
                {(control) => (
                  <Input
                    {...control}
                    {...form.register('maxUsers')}
                    inputMode="numeric"
                    placeholder="Unlimited"
                    readOnly={!canManage}
                  />
                )}
              </FormField>
              <QuotaMeter label="Users" used={org.usage.users} limit={org.quotas.maxUsers} />
            </div>
          </div>
          <FormError message={errors.root?.server?.message} />
        </CardBody>
        {canManage ? (
          <CardFooter>
            <Button type="submit" size="sm" loading={mutation.isPending} disabled={!form.formState.isDirty}>
              Save changes
            </Button>
          </CardFooter>
        ) : null}
      </form>
    </Card>
  );
}
