import type { Study } from '@cdp/contracts';
import { StudyBreadcrumb } from '../../studies/components/study-breadcrumb.tsx';

/** Studies › CDP-301 › Dashboards (› name): the last item is the current page. */
export function DashboardBreadcrumb({ study, current }: { study: Study; current?: string }) {
  return <StudyBreadcrumb study={study} section="dashboards" trail={current === undefined ? [] : [current]} />;
}
