import { getRouteApi } from '@tanstack/react-router';
import { useCallback } from 'react';
import { RequirePermission } from '../../../components/layout/no-access.tsx';
import type { DashboardSearch } from '../../../routes/study-dashboard.tsx';
import { DashboardScreen } from './dashboard-screen.tsx';
import { DashboardStudyGate } from './dashboard-study-gate.tsx';
import type { DashboardViewState } from './dashboard-view.tsx';

const route = getRouteApi('/app/studies/$studyId/dashboards/$dashboardId');

/** The dashboard route's page (loaded on demand): URL search ↔ view state. */
export function DashboardPage() {
  const { studyId, dashboardId } = route.useParams();
  const search = route.useSearch();
  const navigate = route.useNavigate();
  const state: DashboardViewState = {
    page: search.page,
    filters: search.f ?? [],
    drill: search.drill ? { widgetId: search.drill.w, point: search.drill.p } : undefined,
    widgetOptions: search.wo,
  };
  const onStateChange = useCallback(
    (next: Partial<DashboardViewState>) =>
      navigate({
        search: (prev) => {
          const merged: DashboardSearch = { ...prev };
          if ('page' in next) merged.page = next.page;
          if ('filters' in next) merged.f = next.filters?.length ? next.filters : undefined;
          if ('drill' in next) merged.drill = next.drill ? { w: next.drill.widgetId, p: next.drill.point } : undefined;
          if ('widgetOptions' in next) merged.wo = next.widgetOptions as DashboardSearch['wo'];
          return merged;
        },
        resetScroll: false,
      }),
    [navigate],
  );
  return (
    <RequirePermission permission="dashboard:view:assigned">
      <DashboardStudyGate studyId={studyId} title="Dashboard">
        {(study) => (
          <DashboardScreen study={study} dashboardId={dashboardId} state={state} onStateChange={onStateChange} />
        )}
      </DashboardStudyGate>
    </RequirePermission>
  );
}
