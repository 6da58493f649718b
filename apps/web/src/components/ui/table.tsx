import { type ComponentProps, useRef } from 'react';
import { cn } from '../../lib/cn.ts';
import { ScrollCues, useHiddenEdges } from './scroll-cues.tsx';

/** A table in a horizontally scrolling frame, with shadows on the edges where columns are hidden. */
export function Table({ className, ...props }: ComponentProps<'table'>) {
  const scroller = useRef<HTMLDivElement>(null);
  const edges = useHiddenEdges(scroller);
  return (
    <div className="relative w-full">
      <div ref={scroller} data-scroller className="relative w-full overflow-x-auto">
        <table className={cn('w-full caption-bottom border-collapse text-left text-[13px]', className)} {...props} />
      </div>
      <ScrollCues edges={edges} />
    </div>
  );
}

export function TableHeader({ className, ...props }: ComponentProps<'thead'>) {
  return <thead className={cn('bg-surface-muted [&_tr]:border-b [&_tr]:border-border', className)} {...props} />;
}

export function TableBody({ className, ...props }: ComponentProps<'tbody'>) {
  return <tbody className={cn('[&_tr:last-child]:border-0', className)} {...props} />;
}

export function TableRow({ className, ...props }: ComponentProps<'tr'>) {
  return (
    <tr
      className={cn('border-b border-border transition-colors data-[state=selected]:bg-primary-soft', className)}
      {...props}
    />
  );
}

export function TableHead({ className, ...props }: ComponentProps<'th'>) {
  return (
    <th
      scope="col"
      className={cn(
        'h-9 px-4 text-xs font-medium whitespace-nowrap text-muted-foreground first:pl-5 last:pr-5',
        className,
      )}
      {...props}
    />
  );
}

export function TableCell({ className, ...props }: ComponentProps<'td'>) {
  return <td className={cn('px-4 py-3 align-middle first:pl-5 last:pr-5', className)} {...props} />;
}
