import { ChangePasswordRequest, passwordPolicyProblems } from '@cdp/contracts';
import { zodResolver } from '@hookform/resolvers/zod';
import { type ReactNode, useMemo } from 'react';
import { useForm, useWatch } from 'react-hook-form';
import { z } from 'zod';
import { Button } from '../../../components/ui/button.tsx';
import { FormError } from '../../../components/ui/form-error.tsx';
import { FormField } from '../../../components/ui/form-field.tsx';
import { applyServerErrors } from '../../../lib/form-errors.ts';
import { changePassword } from '../api/auth-api.ts';
import { PasswordHints } from './password-hints.tsx';
import { PasswordInput } from './password-input.tsx';

/** The API's schema, plus the checks the browser can make before sending (same messages). */
function schemaFor(email: string) {
  return ChangePasswordRequest.extend({ confirmPassword: z.string() }).superRefine((values, ctx) => {
    for (const message of passwordPolicyProblems(values.newPassword, email)) {
      if (values.newPassword.length > 0 && !message.startsWith('Use at least')) {
        ctx.addIssue({ code: 'custom', path: ['newPassword'], message });
      }
    }
    if (values.newPassword && values.newPassword === values.currentPassword) {
      ctx.addIssue({
        code: 'custom',
        path: ['newPassword'],
        message: 'Choose a password different from the current one.',
      });
    }
    if (values.confirmPassword !== values.newPassword) {
      ctx.addIssue({ code: 'custom', path: ['confirmPassword'], message: 'The two new passwords do not match.' });
    }
  });
}

type Values = z.input<ReturnType<typeof schemaFor>>;

interface ChangePasswordFormProps {
  email: string;
  submitLabel?: string;
  onChanged: () => void | Promise<void>;
  /** Extra buttons beside submit (e.g. Cancel). */
  secondaryAction?: ReactNode;
}

export function ChangePasswordForm({
  email,
  submitLabel = 'Change password',
  onChanged,
  secondaryAction,
}: ChangePasswordFormProps) {
  const schema = useMemo(() => schemaFor(email), [email]);
  const form = useForm<Values>({
    resolver: zodResolver(schema),
    defaultValues: { currentPassword: '', newPassword: '', confirmPassword: '' },
  });
  const newPassword = useWatch({ control: form.control, name: 'newPassword' });
  const { errors, isSubmitting } = form.formState;

  const submit = form.handleSubmit(async ({ currentPassword, newPassword: next }) => {
    try {
      await changePassword({ currentPassword, newPassword: next });
      form.reset();
      await onChanged();
    } catch (error) {
      applyServerErrors(form, error);
    }
  });

  return (
    <form onSubmit={submit} noValidate className="space-y-5">
      <FormField label="Current password" error={errors.currentPassword?.message} required>
        {(control) => (
          <PasswordInput {...control} {...form.register('currentPassword')} autoComplete="current-password" />
        )}
      </FormField>
      <FormField
        label="New password"
        error={errors.newPassword?.message}
        required
        hint={<PasswordHints password={newPassword} email={email} />}
      >
        {(control) => <PasswordInput {...control} {...form.register('newPassword')} autoComplete="new-password" />}
      </FormField>
      <FormField label="Confirm new password" error={errors.confirmPassword?.message} required>
        {(control) => <PasswordInput {...control} {...form.register('confirmPassword')} autoComplete="new-password" />}
      </FormField>
      <FormError message={errors.root?.server?.message} />
      <div className="flex flex-col-reverse gap-2 sm:flex-row sm:justify-end">
        {secondaryAction}
        <Button type="submit" loading={isSubmitting}>
          {submitLabel}
        </Button>
      </div>
    </form>
  );
}
