import { useQuery } from '@tanstack/react-query';
import { RotateCw, ShieldAlert, ShieldCheck } from 'lucide-react';
import { Skeleton } from '../../../components/ui/skeleton.tsx';
import { Tooltip } from '../../../components/ui/tooltip.tsx';
import { errorMessage } from '../../../lib/api-error.ts';
import { auditVerifyQuery } from '../api/audit-api.ts';

/** Recomputes the hash chain on the server and says whether the trail is intact. */
export function ChainStatus() {
  const query = useQuery(auditVerifyQuery);
  if (query.isPending) return <Skeleton className="h-8 w-52 rounded-full" />;
  if (query.isError) {
    return (
      <button
        type="button"
        onClick={() => query.refetch()}
        className="inline-flex h-8 items-center gap-2 rounded-full border border-amber-200 bg-warning-soft px-3 text-[13px] font-medium text-warning-soft-foreground"
      >
        <RotateCw className="size-3.5" aria-hidden />
        Could not verify the chain: {errorMessage(query.error)} Retry
      </button>
    );
  }
  const result = query.data;
  if (result.ok) {
    return (
      <Tooltip content="Every event's SHA-256 hash was recomputed and links to the one before it. Click to check again.">
        <button
          type="button"
          onClick={() => query.refetch()}
          className="inline-flex h-8 items-center gap-2 rounded-full border border-emerald-200 bg-success-soft px-3 text-[13px] font-medium text-success-soft-foreground"
          data-testid="chain-status"
        >
          {query.isFetching ? (
            <RotateCw className="size-3.5 animate-spin" aria-hidden />
          ) : (
            <ShieldCheck className="size-4" aria-hidden />
          )}
          Chain verified: {result.checked.toLocaleString()} events
        </button>
      </Tooltip>
    );
  }
  return (
    <div
      role="alert"
      className="inline-flex min-h-8 items-center gap-2 rounded-full border border-red-200 bg-destructive-soft px-3 py-1 text-[13px] font-medium text-destructive-soft-foreground"
      data-testid="chain-status"
    >
      <ShieldAlert className="size-4 shrink-0" aria-hidden />
      Chain broken at event {result.firstBrokenSequence ?? '?'}: {result.problem ?? 'hash mismatch'}
    </div>
  );
}
