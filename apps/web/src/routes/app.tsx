import { createRoute, redirect } from '@tanstack/react-router';
import { AppShell } from '../components/layout/app-shell.tsx';
import { Spinner } from '../components/ui/spinner.tsx';
import { meQuery } from '../features/auth/api/auth-api.ts';
import { session, sessionRestored } from '../lib/session.ts';
import { NotFoundPage, rootRoute } from './root.tsx';

/** Every page behind sign-in: restores the session, loads who the user is, enforces a password change. */
export const appRoute = createRoute({
  getParentRoute: () => rootRoute,
  id: 'app',
  beforeLoad: async ({ context, location }) => {
    await sessionRestored;
    const toLogin = () =>
      redirect({ to: '/login', search: location.pathname === '/' ? {} : { redirect: location.href } });
    if (!session.getToken()) throw toLogin();
    const me = await context.queryClient.ensureQueryData(meQuery).catch((error: unknown) => {
      // The session ended while loading (expired, revoked): sign in again rather than show an error.
      if (session.getState().status !== 'signed-in') throw toLogin();
      throw error;
    });
    if (me.user.mustChangePassword) throw redirect({ to: '/change-password' });
  },
  pendingComponent: () => (
    <div className="flex min-h-dvh items-center justify-center text-muted-foreground">
      <Spinner className="size-5" label="Loading" />
    </div>
  ),
  component: AppShell,
  // A page that finds nothing (an unknown study, say) says so inside the shell.
  notFoundComponent: NotFoundPage,
});
