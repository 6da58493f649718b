import type { ComponentProps } from 'react';
import { cn } from '../../lib/cn.ts';

export function Skeleton({ className, ...props }: ComponentProps<'div'>) {
  return <div aria-hidden className={cn('animate-pulse rounded-md bg-slate-200/70', className)} {...props} />;
}

/** Placeholder rows for a table while its data loads. */
export function TableSkeleton({ rows = 5, columns = 4 }: { rows?: number; columns?: number }) {
  return (
    <div className="divide-y divide-border" role="status" aria-label="Loading">
      {Array.from({ length: rows }, (_, r) => (
        // biome-ignore lint/suspicious/noArrayIndexKey: static placeholders never reorder
        <div key={r} className="flex items-center gap-6 px-4 py-3.5">
          {Array.from({ length: columns }, (_, c) => (
            <Skeleton
              // biome-ignore lint/suspicious/noArrayIndexKey: static placeholders never reorder
              key={c}
              className={cn('h-3.5', c === 0 ? 'w-40' : c === columns - 1 ? 'ml-auto w-16' : 'w-28')}
            />
          ))}
        </div>
      ))}
    </div>
  );
}
