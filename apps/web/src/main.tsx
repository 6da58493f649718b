import '@fontsource-variable/inter';
import './styles.css';
import { QueryClientProvider } from '@tanstack/react-query';
import { RouterProvider } from '@tanstack/react-router';
import { StrictMode } from 'react';
import { createRoot } from 'react-dom/client';
import { z } from 'zod';
import { Toaster } from './components/ui/toaster.tsx';
import { TooltipProvider } from './components/ui/tooltip.tsx';
import {
  dashboardTarget,
  prefetchDashboard,
  preloadDashboardCode,
} from './features/dashboards/api/prefetch-dashboard.ts';
import { friendlyErrors } from './lib/friendly-errors.ts';
import { queryClient } from './lib/query-client.ts';
import { session, sessionRestored } from './lib/session.ts';
import { router } from './router.tsx';

z.config({ customError: friendlyErrors });

// A dashboard opened by its address: its code (ECharts, most of the app's weight) downloads while
// the session is restored, and the study, the dashboard and the page's data are asked for as soon
// as it is, beside "who am I" rather than after it (the route's loader finds them in flight).
const openedDashboard = dashboardTarget(window.location);
if (openedDashboard) {
  preloadDashboardCode().catch(() => undefined);
  void sessionRestored.then(() => {
    if (session.getToken()) prefetchDashboard(queryClient, openedDashboard).catch(() => undefined);
  });
}

const root = document.getElementById('root');
if (!root) throw new Error('index.html has no #root element');

createRoot(root).render(
  <StrictMode>
    <QueryClientProvider client={queryClient}>
      <TooltipProvider delayDuration={300}>
        <RouterProvider router={router} />
        <Toaster />
      </TooltipProvider>
    </QueryClientProvider>
  </StrictMode>,
);
