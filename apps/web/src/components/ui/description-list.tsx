import type { ReactNode } from 'react';
import { cn } from '../../lib/cn.ts';

/** Label/value pairs for a record's metadata. */
export function DescriptionList({ items, className }: { items: [ReactNode, ReactNode][]; className?: string }) {
  return (
    <dl className={cn('grid grid-cols-1 gap-x-6 gap-y-4 sm:grid-cols-2', className)}>
      {items.map(([term, value], index) => (
        // biome-ignore lint/suspicious/noArrayIndexKey: the list is fixed per render
        <div key={index} className="min-w-0 space-y-1">
          <dt className="text-xs font-medium text-muted-foreground">{term}</dt>
          <dd className="text-[13px] break-words text-foreground">{value ?? '—'}</dd>
        </div>
      ))}
    </dl>
  );
}
