import { useSuspenseQuery } from '@tanstack/react-query';
import { createRoute, Link, redirect, useNavigate } from '@tanstack/react-router';
import { AuthLayout } from '../components/layout/auth-layout.tsx';
import { Alert } from '../components/ui/alert.tsx';
import { Button } from '../components/ui/button.tsx';
import { toast } from '../components/ui/toaster.tsx';
import { meQuery } from '../features/auth/api/auth-api.ts';
import { ChangePasswordForm } from '../features/auth/components/change-password-form.tsx';
import { useSignOut } from '../features/auth/hooks/use-sign-out.ts';
import { queryClient } from '../lib/query-client.ts';
import { session, sessionRestored } from '../lib/session.ts';
import { rootRoute } from './root.tsx';

export const changePasswordRoute = createRoute({
  getParentRoute: () => rootRoute,
  path: '/change-password',
  beforeLoad: async ({ context, location }) => {
    await sessionRestored;
    if (!session.getToken()) throw redirect({ to: '/login', search: { redirect: location.href } });
    await context.queryClient.ensureQueryData(meQuery);
  },
  component: ChangePasswordPage,
});

function ChangePasswordPage() {
  const { data: me } = useSuspenseQuery(meQuery);
  const navigate = useNavigate();
  const signOut = useSignOut();
  const forced = me.user.mustChangePassword;

  const onChanged = async () => {
    queryClient.setQueryData(meQuery.queryKey, { ...me, user: { ...me.user, mustChangePassword: false } });
    toast.success('Password changed', { description: 'Your other sessions have been signed out.' });
    await navigate({ to: '/' });
  };

  return (
    <AuthLayout
      title={forced ? 'Choose a new password' : 'Change password'}
      description={
        forced ? (
          <>Welcome, {me.user.name}. You signed in with a temporary password; choose your own to continue.</>
        ) : (
          <>Signed in as {me.user.email}. Changing your password signs out your other sessions.</>
        )
      }
      footer={
        forced ? (
          <Button variant="link" size="sm" onClick={() => void signOut()}>
            Sign out instead
          </Button>
        ) : null
      }
    >
      {forced ? (
        <Alert tone="info" className="mb-5">
          Temporary passwords are known to your administrator. Yours will stop working once you choose a new one.
        </Alert>
      ) : null}
      <ChangePasswordForm
        email={me.user.email}
        submitLabel={forced ? 'Set password and continue' : 'Change password'}
        onChanged={onChanged}
        secondaryAction={
          forced ? null : (
            <Button asChild variant="secondary">
              <Link to="/settings">Cancel</Link>
            </Button>
          )
        }
      />
    </AuthLayout>
  );
}
