import { createRouter } from '@tanstack/react-router';
import { queryClient } from './lib/query-client.ts';
import { activityRoute } from './routes/activity.tsx';
import { apiKeysRoute } from './routes/api-keys.tsx';
import { appRoute } from './routes/app.tsx';
import { changePasswordRoute } from './routes/change-password.tsx';
import { dataSourcesRoute } from './routes/data-sources.tsx';
import { loginRoute } from './routes/login.tsx';
import { notFoundRoute } from './routes/not-found.tsx';
import { overviewRoute } from './routes/overview.tsx';
import { phiAccessRoute } from './routes/phi-access.tsx';
import { pipelinesRoute } from './routes/pipelines.tsx';
import { platformOrganizationRoute } from './routes/platform-organization.tsx';
import { platformOrganizationsRoute } from './routes/platform-organizations.tsx';
import { rolesRoute } from './routes/roles.tsx';
import { rootRoute } from './routes/root.tsx';
import { securityRoute } from './routes/security.tsx';
import { settingsRoute } from './routes/settings.tsx';
import { settingsWebhooksRoute } from './routes/settings-webhooks.tsx';
import { studiesRoute } from './routes/studies.tsx';
import { studyRoute } from './routes/study.tsx';
import { studyDashboardRoute } from './routes/study-dashboard.tsx';
import { studyDashboardEditRoute } from './routes/study-dashboard-edit.tsx';
import { studyDashboardsRoute } from './routes/study-dashboards.tsx';
import { studyDataRoute } from './routes/study-data.tsx';
import { studyDataCompareRoute } from './routes/study-data-compare.tsx';
import { studyDatasetRoute } from './routes/study-dataset.tsx';
import { studyPipelineRoute, studyPipelineRunRoute } from './routes/study-pipeline.tsx';
import { studyPipelineEditRoute, studyPipelineNewRoute } from './routes/study-pipeline-edit.tsx';
import { studyPipelinesRoute } from './routes/study-pipelines.tsx';
import { studyReportsRoute } from './routes/study-reports.tsx';
import { studyReviewRoute } from './routes/study-review.tsx';
import { studySubjectRoute } from './routes/study-subject.tsx';
import { userRoute } from './routes/user.tsx';
import { usersRoute } from './routes/users.tsx';

const routeTree = rootRoute.addChildren([
  loginRoute,
  changePasswordRoute,
  studyDashboardEditRoute,
  appRoute.addChildren([
    overviewRoute,
    studiesRoute,
    studyRoute,
    studyDataRoute,
    studyDataCompareRoute,
    studyDatasetRoute,
    studyDashboardsRoute,
    studyDashboardRoute,
    studyPipelinesRoute,
    studyPipelineNewRoute,
    studyPipelineRoute,
    studyPipelineEditRoute,
    studyPipelineRunRoute,
    studyReportsRoute,
    studySubjectRoute,
    studyReviewRoute,
    dataSourcesRoute,
    pipelinesRoute,
    usersRoute,
    rolesRoute,
    userRoute,
    activityRoute,
    phiAccessRoute,
    securityRoute,
    settingsRoute,
    apiKeysRoute,
    settingsWebhooksRoute,
    platformOrganizationsRoute,
    platformOrganizationRoute,
    notFoundRoute,
  ]),
]);

export const router = createRouter({
  routeTree,
  context: { queryClient },
  defaultPreload: 'intent',
  // Data freshness is TanStack Query's job; the router keeps no loader cache of its own.
  defaultPreloadStaleTime: 0,
  scrollRestoration: true,
});

declare module '@tanstack/react-router' {
  interface Register {
    router: typeof router;
  }
}
