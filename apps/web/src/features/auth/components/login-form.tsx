import { LoginRequest } from '@cdp/contracts';
import { zodResolver } from '@hookform/resolvers/zod';
import { useState } from 'react';
import { useForm } from 'react-hook-form';
import type { z } from 'zod';
import { Alert } from '../../../components/ui/alert.tsx';
import { Button } from '../../../components/ui/button.tsx';
import { FormField } from '../../../components/ui/form-field.tsx';
import { Input } from '../../../components/ui/input.tsx';
import { ApiError, errorMessage } from '../../../lib/api-error.ts';
import { formatDateTime } from '../../../lib/format.ts';
import { PasswordInput } from './password-input.tsx';

type LoginValues = z.input<typeof LoginRequest>;

interface LoginProblem {
  title: string;
  detail: string;
}

/** Turns a failed sign-in into a sentence that tells the person what happened and what to do. */
function describe(error: unknown): LoginProblem {
  if (!(error instanceof ApiError)) return { title: 'Sign-in failed', detail: errorMessage(error) };
  switch (error.code) {
    case 'INVALID_CREDENTIALS':
      return {
        title: 'E-mail or password is incorrect',
        // The server says how many attempts from this address pause sign-in, and for how long.
        detail: `Check both and try again. ${error.message.replace(/^E-mail or password is incorrect\.\s*/, '')}`,
      };
    case 'ACCOUNT_LOCKED': {
      const until = (error.details as { lockedUntil?: string | null } | undefined)?.lockedUntil;
      return {
        title: 'Account locked',
        detail: until
          ? `${error.message} You can try again after ${formatDateTime(until)}, or ask an administrator to unlock it.`
          : `${error.message} Ask an administrator to unlock it.`,
      };
    }
    case 'ACCOUNT_DISABLED':
      return { title: 'Account deactivated', detail: error.message };
    case 'RATE_LIMITED':
      return {
        title: 'Too many sign-in attempts',
        detail: 'Too many attempts came from this network. Wait a minute, then try again.',
      };
    case 'VALIDATION_FAILED':
      return { title: 'Check your entries', detail: error.message };
    default:
      return { title: 'Sign-in failed', detail: error.message };
  }
}

interface LoginFormProps {
  onSubmit: (values: LoginRequest) => Promise<void>;
}

export function LoginForm({ onSubmit }: LoginFormProps) {
  const form = useForm<LoginValues, unknown, LoginRequest>({
    resolver: zodResolver(LoginRequest),
    defaultValues: { email: '', password: '' },
  });
  const { errors, isSubmitting } = form.formState;
  const [problem, setProblem] = useState<LoginProblem | null>(null);

  const submit = form.handleSubmit(async (values) => {
    setProblem(null);
    try {
      await onSubmit(values);
    } catch (error) {
      setProblem(describe(error));
      if (error instanceof ApiError && error.code === 'INVALID_CREDENTIALS') {
        form.resetField('password');
        form.setFocus('password');
      }
    }
  });

  return (
    <form onSubmit={submit} noValidate className="space-y-5">
      {problem ? (
        <Alert tone="danger" title={problem.title}>
          {problem.detail}
        </Alert>
      ) : null}
      <FormField label="E-mail" error={errors.email?.message} required>
        {(control) => (
          <Input
            {...control}
            {...form.register('email')}
            type="email"
            autoComplete="username"
            autoFocus
            placeholder="name@company.com"
          />
        )}
      </FormField>
      <FormField label="Password" error={errors.password?.message} required>
        {(control) => <PasswordInput {...control} {...form.register('password')} autoComplete="current-password" />}
      </FormField>
      <Button type="submit" size="lg" className="w-full" loading={isSubmitting}>
        {isSubmitting ? 'Signing in…' : 'Sign in'}
      </Button>
    </form>
  );
}
