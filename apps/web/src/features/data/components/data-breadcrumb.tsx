import type { Study } from '@cdp/contracts';
import type { ReactNode } from 'react';
import { StudyBreadcrumb } from '../../studies/components/study-breadcrumb.tsx';

/** Studies › CDP-301 › Data › …, the last item being the current page. */
export function DataBreadcrumb({ study, trail = [] }: { study: Study; trail?: ReactNode[] }) {
  return <StudyBreadcrumb study={study} section="data" trail={trail} />;
}
