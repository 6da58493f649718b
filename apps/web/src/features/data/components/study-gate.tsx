import { useQuery } from '@tanstack/react-query';
import { Link } from '@tanstack/react-router';
import { FileQuestion } from 'lucide-react';
import type { ReactNode } from 'react';
import { NoAccess } from '../../../components/layout/no-access.tsx';
import { Button } from '../../../components/ui/button.tsx';
import { Card } from '../../../components/ui/card.tsx';
import { EmptyState } from '../../../components/ui/empty-state.tsx';
import { ErrorState } from '../../../components/ui/error-state.tsx';
import { PageHeader } from '../../../components/ui/page-header.tsx';
import { Skeleton } from '../../../components/ui/skeleton.tsx';
import { isApiError } from '../../../lib/api-error.ts';
import { type StudyWithPermissions, studyQuery } from '../../studies/api/studies-api.ts';

/**
 * Loads the study a data page belongs to and renders the page only when the user may see the
 * study's data; a missing study, a failed load and a missing permission each get their own state.
 */
export function StudyGate({
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
        <Skeleton className="mb-6 h-40 rounded-lg" />
        <Skeleton className="h-64 rounded-lg" />
      </div>
    );
  }
  if (query.isError) {
    const missing = isApiError(query.error, 'NOT_FOUND') || isApiError(query.error, 'VALIDATION_FAILED');
    return (
      <>
        <PageHeader title={missing ? 'Study not found' : title} />
        <Card>
          {missing ? (
            <EmptyState
              icon={FileQuestion}
              title="Study not found"
              description="This study does not exist, or you do not have access to it."
              action={
                <Button asChild variant="secondary">
                  <Link to="/studies">Back to studies</Link>
                </Button>
              }
            />
          ) : (
            <ErrorState
              error={query.error}
              what="the study"
              onRetry={() => query.refetch()}
              retrying={query.isFetching}
            />
          )}
        </Card>
      </>
    );
  }
  if (!query.data.permissions.includes('data:view:assigned')) return <NoAccess permission="data:view:assigned" />;
  return children(query.data);
}
