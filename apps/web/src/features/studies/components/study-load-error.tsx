import { Link } from '@tanstack/react-router';
import { FileQuestion } from 'lucide-react';
import type { ReactNode } from 'react';
import { Button } from '../../../components/ui/button.tsx';
import { Card } from '../../../components/ui/card.tsx';
import { EmptyState } from '../../../components/ui/empty-state.tsx';
import { ErrorState } from '../../../components/ui/error-state.tsx';
import { PageHeader } from '../../../components/ui/page-header.tsx';
import { isApiError } from '../../../lib/api-error.ts';

/**
 * A study page whose study did not load: "not found" (which is also what another tenant's study
 * looks like) or the error with a retry.
 */
export function StudyLoadError({
  error,
  onRetry,
  retrying,
  title,
  eyebrow,
}: {
  error: unknown;
  onRetry: () => void;
  retrying: boolean;
  title: string;
  eyebrow?: ReactNode;
}) {
  const missing = isApiError(error, 'NOT_FOUND') || isApiError(error, 'VALIDATION_FAILED');
  return (
    <>
      <PageHeader eyebrow={eyebrow} title={missing ? 'Study not found' : title} />
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
          <ErrorState error={error} what="the study" onRetry={onRetry} retrying={retrying} />
        )}
      </Card>
    </>
  );
}
