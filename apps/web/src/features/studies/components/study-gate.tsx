import type { Permission } from '@cdp/contracts';
import { useQuery } from '@tanstack/react-query';
import type { ReactNode } from 'react';
import { NoAccess } from '../../../components/layout/no-access.tsx';
import { Skeleton } from '../../../components/ui/skeleton.tsx';
import { type StudyWithPermissions, studyQuery } from '../api/studies-api.ts';
import { StudyLoadError } from './study-load-error.tsx';

/**
 * Loads the study a page belongs to and renders the page only when the user holds `permission` for
 * it; a missing study, a failed load and a missing permission each get their own state. `skeleton`
 * is the page's body while the study loads (a generic one by default).
 */
export function StudyGate({
  studyId,
  title,
  permission,
  skeleton,
  children,
}: {
  studyId: string;
  title: string;
  /** The permission on the study the page needs; a list means any one of them (the first is named when none is held). */
  permission: Permission | readonly [Permission, ...Permission[]];
  skeleton?: ReactNode;
  children: (study: StudyWithPermissions) => ReactNode;
}) {
  const query = useQuery(studyQuery(studyId));
  if (query.isPending) {
    return (
      <div role="status" aria-label={`Loading ${title.toLowerCase()}`}>
        <Skeleton className="mb-3 h-4 w-48" />
        <Skeleton className="mb-2 h-7 w-72" />
        <Skeleton className="mb-8 h-4 w-96" />
        {skeleton ?? (
          <>
            <Skeleton className="mb-6 h-40 rounded-lg" />
            <Skeleton className="h-64 rounded-lg" />
          </>
        )}
      </div>
    );
  }
  if (query.isError) {
    return (
      <StudyLoadError title={title} error={query.error} onRetry={() => query.refetch()} retrying={query.isFetching} />
    );
  }
  const [first, ...others] = typeof permission === 'string' ? [permission] : permission;
  if (![first, ...others].some((p) => query.data.permissions.includes(p))) return <NoAccess permission={first} />;
  return children(query.data);
}
