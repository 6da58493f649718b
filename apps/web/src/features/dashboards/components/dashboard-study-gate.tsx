import type { ReactNode } from 'react';
import { FeatureOff } from '../../../components/layout/feature-off.tsx';
import { Skeleton } from '../../../components/ui/skeleton.tsx';
import { useFeature } from '../../auth/hooks/use-me.ts';
import type { StudyWithPermissions } from '../../studies/api/studies-api.ts';
import { StudyGate } from '../../studies/components/study-gate.tsx';

/**
 * The study gate of dashboard pages: the dashboards feature, the dashboard view permission, and a
 * skeleton shaped like a dashboard.
 */
export function DashboardStudyGate({
  studyId,
  title,
  children,
}: {
  studyId: string;
  title: string;
  children: (study: StudyWithPermissions) => ReactNode;
}) {
  const enabled = useFeature('dashboards');
  if (!enabled) return <FeatureOff flag="dashboards" />;
  return (
    <StudyGate
      studyId={studyId}
      title={title}
      permission="dashboard:view:assigned"
      skeleton={
        <div className="grid grid-cols-4 gap-4">
          <Skeleton className="h-28 rounded-lg" />
          <Skeleton className="h-28 rounded-lg" />
          <Skeleton className="h-28 rounded-lg" />
          <Skeleton className="h-28 rounded-lg" />
          <Skeleton className="col-span-2 h-72 rounded-lg" />
          <Skeleton className="col-span-2 h-72 rounded-lg" />
        </div>
      }
    >
      {children}
    </StudyGate>
  );
}
