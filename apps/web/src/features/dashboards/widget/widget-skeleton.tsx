import { Skeleton } from '../../../components/ui/skeleton.tsx';
import type { WidgetKind } from './widget-kind.ts';

const BARS = [62, 88, 45, 74, 96, 58, 80, 38];

/** A placeholder in the shape of what is coming, so the page does not jump when it arrives. */
export function WidgetSkeleton({ kind }: { kind: WidgetKind }) {
  if (kind === 'metric') {
    return (
      <div className="flex h-full flex-col justify-center gap-2.5 px-5 pb-4" aria-hidden>
        <Skeleton className="h-8 w-28" />
        <Skeleton className="h-3 w-36" />
      </div>
    );
  }
  if (kind === 'table') {
    return (
      <div className="h-full overflow-hidden" aria-hidden>
        <div className="flex gap-6 border-b border-border bg-surface-muted px-4 py-2.5">
          <Skeleton className="h-3 w-28" />
          <Skeleton className="ml-auto h-3 w-16" />
          <Skeleton className="h-3 w-16" />
        </div>
        {BARS.map((width, index) => (
          <div key={width} className="flex gap-6 border-b border-border/70 px-4 py-2.5">
            <Skeleton className="h-3" style={{ width: `${width * 1.6}px`, marginLeft: index % 3 ? 16 : 0 }} />
            <Skeleton className="ml-auto h-3 w-12" />
            <Skeleton className="h-3 w-12" />
          </div>
        ))}
      </div>
    );
  }
  if (kind === 'map' || kind === 'flow') {
    return (
      <div className="flex h-full items-center justify-center p-5" aria-hidden>
        <Skeleton className={kind === 'map' ? 'h-4/5 w-full rounded-[40%]' : 'h-4/5 w-full rounded-lg'} />
      </div>
    );
  }
  return (
    <div className="flex h-full items-end gap-[6%] px-6 pt-4 pb-6" aria-hidden>
      {BARS.map((height) => (
        <Skeleton key={height} className="flex-1 rounded-b-none" style={{ height: `${height}%` }} />
      ))}
    </div>
  );
}
