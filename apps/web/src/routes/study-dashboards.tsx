import { createRoute } from '@tanstack/react-router';
import { RequirePermission } from '../components/layout/no-access.tsx';
import { DashboardStudyGate } from '../features/dashboards/components/dashboard-study-gate.tsx';
import { DashboardsOverview } from '../features/dashboards/components/dashboards-overview.tsx';
import { appRoute } from './app.tsx';

export const studyDashboardsRoute = createRoute({
  getParentRoute: () => appRoute,
  path: '/studies/$studyId/dashboards',
  component: StudyDashboardsPage,
});

function StudyDashboardsPage() {
  const { studyId } = studyDashboardsRoute.useParams();
  return (
    <RequirePermission permission="dashboard:view:assigned">
      <DashboardStudyGate studyId={studyId} title="Dashboards">
        {(result) => <DashboardsOverview result={result} />}
      </DashboardStudyGate>
    </RequirePermission>
  );
}
