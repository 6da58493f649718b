import type { QueryClient } from '@tanstack/react-query';
import { createRootRouteWithContext, Link, Outlet, useRouter } from '@tanstack/react-router';
import { Compass } from 'lucide-react';
import { useEffect } from 'react';
import { Button } from '../components/ui/button.tsx';
import { ErrorState } from '../components/ui/error-state.tsx';
import { session } from '../lib/session.ts';

export interface RouterContext {
  queryClient: QueryClient;
}

/** Moves the user when the session ends or the server asks for a password change. */
function SessionEvents() {
  const router = useRouter();
  const { queryClient } = router.options.context;
  useEffect(
    () =>
      session.onEvent((event) => {
        const here = router.state.location;
        if (event.type === 'password-change-required') {
          void queryClient.invalidateQueries({ queryKey: ['me'] });
          void router.navigate({ to: '/change-password' });
          return;
        }
        const search = event.explicit || here.pathname === '/' ? {} : { redirect: here.href };
        // Clear cached data after leaving the pages that show it, so nothing refetches without a session.
        void router.navigate({ to: '/login', search }).then(() => queryClient.clear());
      }),
    [router, queryClient],
  );
  return null;
}

function RootComponent() {
  return (
    <>
      <SessionEvents />
      <Outlet />
    </>
  );
}

export function NotFoundPage() {
  return (
    <div className="flex min-h-[60vh] flex-col items-center justify-center px-6 text-center">
      <div className="mb-4 flex size-12 items-center justify-center rounded-full border border-border bg-surface-muted text-muted-foreground">
        <Compass className="size-5" aria-hidden />
      </div>
      <h1 className="text-base font-semibold">Page not found</h1>
      <p className="mt-1 max-w-sm text-[13px] text-muted-foreground">
        The address may be mistyped, or the page may have moved.
      </p>
      <Button asChild variant="secondary" className="mt-6">
        <Link to="/">Go to overview</Link>
      </Button>
    </div>
  );
}

export const rootRoute = createRootRouteWithContext<RouterContext>()({
  component: RootComponent,
  notFoundComponent: NotFoundPage,
  errorComponent: ({ error, reset }) => (
    <div className="mx-auto max-w-xl py-16">
      <ErrorState error={error} onRetry={reset} />
    </div>
  ),
});
