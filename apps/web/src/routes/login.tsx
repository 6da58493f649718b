import type { LoginRequest, LoginResponse, MfaChallengeResponse } from '@cdp/contracts';
import { createRoute, redirect, useNavigate } from '@tanstack/react-router';
import { ShieldCheck } from 'lucide-react';
import { useState, useSyncExternalStore } from 'react';
import { AuthLayout } from '../components/layout/auth-layout.tsx';
import { Alert } from '../components/ui/alert.tsx';
import { login, meQuery } from '../features/auth/api/auth-api.ts';
import { isChallenge } from '../features/auth/api/mfa-api.ts';
import { LoginForm } from '../features/auth/components/login-form.tsx';
import { MfaCodeStep, MfaEnrolStep } from '../features/auth/components/mfa-steps.tsx';
import { queryClient } from '../lib/query-client.ts';
import { session, sessionRestored } from '../lib/session.ts';
import { rootRoute } from './root.tsx';

interface LoginSearch {
  redirect?: string;
}

/** Only paths inside this app, never another site (`//evil.example` is protocol-relative). */
function safeRedirect(target: string | undefined): string {
  if (!target?.startsWith('/') || target.startsWith('//') || target.startsWith('/login')) return '/';
  return target;
}

export const loginRoute = createRoute({
  getParentRoute: () => rootRoute,
  path: '/login',
  validateSearch: (search: Record<string, unknown>): LoginSearch =>
    typeof search.redirect === 'string' ? { redirect: search.redirect } : {},
  beforeLoad: async () => {
    await sessionRestored;
    if (session.getToken()) throw redirect({ to: '/' });
  },
  component: LoginPage,
});

function LoginPage() {
  const { redirect: target } = loginRoute.useSearch();
  const navigate = useNavigate();
  const { notice } = useSyncExternalStore(session.subscribe, session.getState);

  const [challenge, setChallenge] = useState<MfaChallengeResponse | null>(null);

  const signIn = async (values: LoginRequest) => {
    const answer = await login(values);
    if (isChallenge(answer)) {
      setChallenge(answer);
      return;
    }
    await finish(answer);
  };

  const finish = async (response: LoginResponse) => {
    queryClient.clear();
    session.signIn(response);
    const me = await queryClient.fetchQuery(meQuery);
    if (me.user.mustChangePassword) {
      await navigate({ to: '/change-password' });
      return;
    }
    await navigate({ href: safeRedirect(target) });
  };

  return (
    <AuthLayout
      title={challenge ? 'Two-factor sign-in' : 'Sign in'}
      description={
        challenge
          ? 'Your password was right. One more step proves it is you.'
          : 'Use the e-mail address your organization registered for you.'
      }
      footer={
        <span className="inline-flex items-center gap-1.5">
          <ShieldCheck className="size-3.5" aria-hidden />
          Access to this system is logged in a tamper-evident audit trail.
        </span>
      }
    >
      {notice ? (
        <Alert tone="warning" className="mb-5" title="You have been signed out">
          {notice}
        </Alert>
      ) : null}
      {challenge === null ? (
        <LoginForm onSubmit={signIn} />
      ) : challenge.mfa === 'verify' ? (
        <MfaCodeStep challenge={challenge.challenge} onSignedIn={finish} />
      ) : (
        <MfaEnrolStep challenge={challenge.challenge} onSignedIn={finish} />
      )}
    </AuthLayout>
  );
}
