import { createRoute } from '@tanstack/react-router';
import { appRoute } from './app.tsx';
import { NotFoundPage } from './root.tsx';

/**
 * Any address no page matches, inside the app shell (sidebar, account menu) like every other page,
 * so a mistyped link leaves the reader one click from where they want to be. Signed out, the shell's
 * sign-in redirect applies first.
 */
export const notFoundRoute = createRoute({
  getParentRoute: () => appRoute,
  path: '$',
  component: NotFoundPage,
});
