import type { ReactNode } from 'react';
import { Skeleton } from '../../../components/ui/skeleton.tsx';
import type { StudyWithPermissions } from '../../studies/api/studies-api.ts';
import { StudyGate } from '../../studies/components/study-gate.tsx';

/** The study gate of dashboard pages: dashboard view permission, and a skeleton shaped like a dashboard. */
export function DashboardStudyGate({
  studyId,
  title,
  children,
}: {
  studyId: string;
  title: string;
  children: (study: StudyWithPermissions) => ReactNode;
}) {
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
