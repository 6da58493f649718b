import { CreateUserRequest, passwordPolicyProblems, type User } from '@cdp/contracts';
import { zodResolver } from '@hookform/resolvers/zod';
import { useMutation, useQuery, useQueryClient } from '@tanstack/react-query';
import { Link } from '@tanstack/react-router';
import { CheckCircle2 } from 'lucide-react';
import { useEffect, useState } from 'react';
import { Controller, FormProvider, useForm, useWatch } from 'react-hook-form';
import type { z } from 'zod';
import { Button } from '../../../components/ui/button.tsx';
import { CopyButton } from '../../../components/ui/copy-button.tsx';
import { Dialog, DialogBody, DialogContent, DialogFooter } from '../../../components/ui/dialog.tsx';
import { FormError } from '../../../components/ui/form-error.tsx';
import { FormField } from '../../../components/ui/form-field.tsx';
import { Input } from '../../../components/ui/input.tsx';
import { Skeleton } from '../../../components/ui/skeleton.tsx';
import { toast } from '../../../components/ui/toaster.tsx';
import { applyServerErrors } from '../../../lib/form-errors.ts';
import { rolesQuery } from '../../roles/api/roles-api.ts';
import { studiesQuery } from '../../studies/api/studies-api.ts';
import { createUser, userKeys } from '../api/users-api.ts';
import { ScopeFields } from './scope-fields.tsx';
import { ScopeSchema, toAssignment } from './scope-schema.ts';
import { TemporaryPasswordField } from './temporary-password-field.tsx';

/** The API's user schema (without the role list) plus one initial role assignment. */
const NewUserSchema = CreateUserRequest.omit({ roles: true })
  .extend(ScopeSchema.shape)
  .superRefine((values, ctx) => {
    for (const message of passwordPolicyProblems(values.temporaryPassword, values.email)) {
      if (!message.startsWith('Use at least')) ctx.addIssue({ code: 'custom', path: ['temporaryPassword'], message });
    }
  });
type Values = z.input<typeof NewUserSchema>;

const EMPTY: Values = { name: '', email: '', temporaryPassword: '', roleId: '', studyId: '', expiresOn: '' };

interface Created {
  user: User;
  password: string;
}

export function NewUserDialog({ open, onOpenChange }: { open: boolean; onOpenChange: (open: boolean) => void }) {
  const [created, setCreated] = useState<Created | null>(null);
  useEffect(() => {
    if (open) setCreated(null);
  }, [open]);
  return (
    <Dialog open={open} onOpenChange={onOpenChange}>
      <DialogContent
        title={created ? 'User created' : 'New user'}
        description={
          created ? undefined : 'They sign in with a temporary password and must choose their own at first sign-in.'
        }
        size="lg"
      >
        {created ? (
          <CreatedStep created={created} onDone={() => onOpenChange(false)} />
        ) : (
          <NewUserForm open={open} onCreated={setCreated} onCancel={() => onOpenChange(false)} />
        )}
      </DialogContent>
    </Dialog>
  );
}

function NewUserForm({
  open,
  onCreated,
  onCancel,
}: {
  open: boolean;
  onCreated: (created: Created) => void;
  onCancel: () => void;
}) {
  const queryClient = useQueryClient();
  const roles = useQuery(rolesQuery);
  const studies = useQuery(studiesQuery());
  const form = useForm<Values, unknown, z.output<typeof NewUserSchema>>({
    resolver: zodResolver(NewUserSchema),
    defaultValues: EMPTY,
  });
  const { reset } = form;
  useEffect(() => {
    if (open) reset(EMPTY);
  }, [open, reset]);
  const email = useWatch({ control: form.control, name: 'email' });

  const mutation = useMutation({
    mutationFn: (values: z.output<typeof NewUserSchema>) =>
      createUser({
        name: values.name,
        email: values.email,
        temporaryPassword: values.temporaryPassword,
        roles: [toAssignment(values)],
      }),
    onSuccess: async ({ data }, values) => {
      await queryClient.invalidateQueries({ queryKey: userKeys.all });
      await queryClient.invalidateQueries({ queryKey: ['roles'] });
      toast.success(`${data.name} can now sign in`);
      onCreated({ user: data, password: values.temporaryPassword });
    },
    onError: (error) => applyServerErrors(form, error, { 'roles.0.roleId': 'roleId', 'roles.0.studyId': 'studyId' }),
  });
  const { errors } = form.formState;

  return (
    <form onSubmit={form.handleSubmit((values) => mutation.mutate(values))} noValidate className="contents">
      <DialogBody>
        <div className="grid gap-5 sm:grid-cols-2">
          <FormField label="Full name" error={errors.name?.message} required>
            {(control) => <Input {...control} {...form.register('name')} autoFocus autoComplete="off" />}
          </FormField>
          <FormField label="E-mail" error={errors.email?.message} required>
            {(control) => (
              <Input
                {...control}
                {...form.register('email')}
                type="email"
                autoComplete="off"
                placeholder="name@company.com"
              />
            )}
          </FormField>
        </div>
        <Controller
          control={form.control}
          name="temporaryPassword"
          render={({ field, fieldState }) => (
            <TemporaryPasswordField
              value={field.value}
              onChange={field.onChange}
              onBlur={field.onBlur}
              error={fieldState.error?.message}
              email={email}
            />
          )}
        />
        <div className="border-t border-border pt-5">
          <p className="mb-4 text-[13px] font-medium">Initial access</p>
          {roles.isPending || studies.isPending ? (
            <Skeleton className="h-24" />
          ) : (
            <div className="space-y-5">
              <FormProvider {...form}>
                <ScopeFields roles={roles.data?.data ?? []} studies={studies.data?.data ?? []} />
              </FormProvider>
            </div>
          )}
        </div>
        <FormError message={errors.root?.server?.message} />
      </DialogBody>
      <DialogFooter>
        <Button variant="secondary" onClick={onCancel} disabled={mutation.isPending}>
          Cancel
        </Button>
        <Button type="submit" loading={mutation.isPending}>
          Create user
        </Button>
      </DialogFooter>
    </form>
  );
}

function CreatedStep({ created, onDone }: { created: Created; onDone: () => void }) {
  const { user, password } = created;
  return (
    <>
      <DialogBody>
        <div className="flex items-start gap-3">
          <CheckCircle2 className="mt-0.5 size-5 shrink-0 text-emerald-600" aria-hidden />
          <p className="text-[13px] leading-relaxed">
            <span className="font-medium">{user.name}</span> has been added. Share the sign-in details through a secure
            channel; the temporary password is not shown again.
          </p>
        </div>
        <dl className="space-y-3 rounded-md border border-border bg-surface-muted p-4">
          <div className="flex items-center justify-between gap-3">
            <div className="min-w-0">
              <dt className="text-xs text-muted-foreground">E-mail</dt>
              <dd className="truncate text-[13px] font-medium">{user.email}</dd>
            </div>
            <CopyButton value={user.email} label="Copy e-mail" />
          </div>
          <div className="flex items-center justify-between gap-3">
            <div className="min-w-0">
              <dt className="text-xs text-muted-foreground">Temporary password</dt>
              <dd className="truncate font-mono text-[13px] font-medium" data-testid="created-password">
                {password}
              </dd>
            </div>
            <CopyButton value={password} label="Copy temporary password" />
          </div>
        </dl>
      </DialogBody>
      <DialogFooter>
        <Button asChild variant="secondary">
          <Link to="/users/$userId" params={{ userId: user.id }} onClick={onDone}>
            View user
          </Link>
        </Button>
        <Button onClick={onDone}>Done</Button>
      </DialogFooter>
    </>
  );
}
