import { UpdateOwnOrganizationRequest } from '@cdp/contracts';
import { zodResolver } from '@hookform/resolvers/zod';
import { useMutation, useQuery, useQueryClient } from '@tanstack/react-query';
import { useEffect } from 'react';
import { useForm } from 'react-hook-form';
import type { z } from 'zod';
import { Button } from '../../../components/ui/button.tsx';
import { Card, CardBody, CardFooter, CardHeader } from '../../../components/ui/card.tsx';
import { ErrorState } from '../../../components/ui/error-state.tsx';
import { FormError } from '../../../components/ui/form-error.tsx';
import { FormField } from '../../../components/ui/form-field.tsx';
import { Input } from '../../../components/ui/input.tsx';
import { Skeleton } from '../../../components/ui/skeleton.tsx';
import { toast } from '../../../components/ui/toaster.tsx';
import { applyServerErrors } from '../../../lib/form-errors.ts';
import { meQuery } from '../../auth/api/auth-api.ts';
import { organizationQuery, renameOrganization } from '../api/organization-api.ts';
import { FeatureList } from './feature-list.tsx';
import { QuotaMeter } from './quota-meter.tsx';

type Values = z.input<typeof UpdateOwnOrganizationRequest>;

/** The user's organization: its name (editable by organization admins), features and quotas. */
export function OrganizationCard() {
  const query = useQuery(organizationQuery);
  const queryClient = useQueryClient();
  const form = useForm<Values>({ resolver: zodResolver(UpdateOwnOrganizationRequest), defaultValues: { name: '' } });
  const { reset } = form;
  const org = query.data?.data;
  const canManage = query.data?.permissions.includes('organization:manage:own') ?? false;
  useEffect(() => {
    if (org) reset({ name: org.name });
  }, [org, reset]);

  const mutation = useMutation({
    mutationFn: ({ name }: Values) => renameOrganization(name),
    onSuccess: async (result) => {
      queryClient.setQueryData(organizationQuery.queryKey, result);
      await queryClient.invalidateQueries({ queryKey: meQuery.queryKey });
      toast.success('Organization renamed');
    },
    onError: (error) => applyServerErrors(form, error),
  });

  return (
    <Card>
      <CardHeader title="Organization" description="Features and quotas are set by the CDP platform team." />
      {query.isPending ? (
        <CardBody className="space-y-3">
          <Skeleton className="h-9 w-full" />
          <Skeleton className="h-24 w-full" />
        </CardBody>
      ) : query.isError ? (
        <ErrorState error={query.error} what="your organization" onRetry={() => query.refetch()} />
      ) : (
        <>
          <form onSubmit={form.handleSubmit((values) => mutation.mutate(values))} noValidate>
            <CardBody className="space-y-4">
              <div className="grid gap-4 sm:grid-cols-[1fr_12rem]">
                <FormField
                  label="Organization name"
                  error={form.formState.errors.name?.message}
                  hint={canManage ? undefined : 'Only organization administrators can rename the organization.'}
                >
                  {(control) => <Input {...control} {...form.register('name')} readOnly={!canManage} />}
                </FormField>
                <FormField label="Code">
                  {(control) => <Input {...control} value={query.data.data.code} readOnly className="font-mono" />}
                </FormField>
              </div>
              <FormError message={form.formState.errors.root?.server?.message} />
            </CardBody>
            {canManage ? (
              <CardFooter>
                <Button type="submit" size="sm" loading={mutation.isPending} disabled={!form.formState.isDirty}>
                  Save name
                </Button>
              </CardFooter>
            ) : null}
          </form>
          <CardBody className="space-y-4 border-t border-border">
            <h3 className="text-[13px] font-semibold">Usage</h3>
            <div className="grid gap-5 sm:grid-cols-2">
              <QuotaMeter
                label="Studies"
                used={query.data.data.usage.studies}
                limit={query.data.data.quotas.maxStudies}
              />
              <QuotaMeter label="Users" used={query.data.data.usage.users} limit={query.data.data.quotas.maxUsers} />
            </div>
          </CardBody>
          <CardBody className="space-y-3 border-t border-border">
            <h3 className="text-[13px] font-semibold">Features</h3>
            <FeatureList features={query.data.data.features} />
          </CardBody>
        </>
      )}
    </Card>
  );
}
