import { AlertTriangle, RotateCw } from 'lucide-react';
import { errorMessage, isApiError } from '../../lib/api-error.ts';
import { cn } from '../../lib/cn.ts';
import { Button } from './button.tsx';

interface ErrorStateProps {
  error: unknown;
  /** What failed to load, e.g. "studies". */
  what?: string;
  onRetry?: () => void;
  retrying?: boolean;
  className?: string;
}

/** Shows why data could not be loaded (the API's own message) and lets the user try again. */
export function ErrorState({ error, what, onRetry, retrying, className }: ErrorStateProps) {
  const requestId = isApiError(error) ? (error.details as { requestId?: string } | undefined)?.requestId : undefined;
  return (
    <div role="alert" className={cn('flex flex-col items-center justify-center px-6 py-12 text-center', className)}>
      <div className="mb-4 flex size-11 items-center justify-center rounded-full border border-red-200 bg-destructive-soft text-destructive">
        <AlertTriangle className="size-5" aria-hidden />
      </div>
      <p className="text-sm font-semibold">{what ? `Could not load ${what}` : 'Something went wrong'}</p>
      <p className="mt-1 max-w-md text-[13px] text-muted-foreground">{errorMessage(error)}</p>
      {requestId ? <p className="mt-1 font-mono text-xs text-subtle-foreground">Request id {requestId}</p> : null}
      {onRetry ? (
        <Button variant="secondary" size="sm" className="mt-5" onClick={onRetry} loading={retrying}>
          {retrying ? null : <RotateCw />}
          Try again
        </Button>
      ) : null}
    </div>
  );
}
