import { useQuery } from '@tanstack/react-query';
import type { ReactNode } from 'react';
import { NoAccess } from '../../../components/layout/no-access.tsx';
import { Skeleton } from '../../../components/ui/skeleton.tsx';
import { type StudyWithPermissions, studyQuery } from '../../studies/api/studies-api.ts';
import { StudyLoadError } from '../../studies/components/study-load-error.tsx';

/**
 * Loads the study a dashboard page belongs to and renders the page only when the user may see the
 * study's dashboards; a missing study, a failed load and a missing permission each get their own state.
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
  const query = useQuery(studyQuery(studyId));
  if (query.isPending) {
    return (
      <div role="status" aria-label={`Loading ${title.toLowerCase()}`}>
        <Skeleton className="mb-3 h-4 w-48" />
        <Skeleton className="mb-2 h-7 w-72" />
        <Skeleton className="mb-8 h-4 w-96" />
        <div className="grid grid-cols-4 gap-4">
          <Skeleton className="h-28 rounded-lg" />
          <Skeleton className="h-28 rounded-lg" />
          <Skeleton className="h-28 rounded-lg" />
          <Skeleton className="h-28 rounded-lg" />
          <Skeleton className="col-span-2 h-72 rounded-lg" />
          <Skeleton className="col-span-2 h-72 rounded-lg" />
        </div>
      </div>
    );
  }
  if (query.isError) {
    return (
      <StudyLoadError title={title} error={query.error} onRetry={() => query.refetch()} retrying={query.isFetching} />
    );
  }
  if (!query.data.permissions.includes('dashboard:view:assigned'))
    return <NoAccess permission="dashboard:view:assigned" />;
  return children(query.data);
}
