import { cn } from '../../../lib/cn.ts';

/** Usage against a quota; `limit === null` means unlimited. */
export function QuotaMeter({ label, used, limit }: { label: string; used: number; limit: number | null }) {
  const ratio = limit ? Math.min(1, used / limit) : 0;
  const tone = ratio >= 1 ? 'bg-red-500' : ratio >= 0.8 ? 'bg-amber-500' : 'bg-teal-500';
  return (
    <div className="space-y-1.5">
      <div className="flex items-baseline justify-between gap-2 text-[13px]">
        <span className="font-medium">{label}</span>
        <span className="text-muted-foreground tabular-nums">
          {used.toLocaleString()} {limit === null ? 'used · unlimited' : `of ${limit.toLocaleString()}`}
        </span>
      </div>
      {/* The sentence above says the same for screen readers; the bar is for the eye. Without a
          limit there is nothing to fill: a full bar, even a faint one, read as a quota reached. */}
      {limit === null ? null : (
        <div className="h-1.5 overflow-hidden rounded-full bg-slate-100" aria-hidden>
          <div className={cn('h-full rounded-full', tone)} style={{ width: `${ratio * 100}%` }} />
        </div>
      )}
    </div>
  );
}
