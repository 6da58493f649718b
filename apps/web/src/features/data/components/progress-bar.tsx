import { cn } from '../../../lib/cn.ts';

interface ProgressBarProps {
  /** Percent done; `null` while the length of the work is unknown. */
  value: number | null;
  label: string;
  className?: string;
}

export function ProgressBar({ value, label, className }: ProgressBarProps) {
  return (
    <div
      role="progressbar"
      aria-label={label}
      aria-valuemin={0}
      aria-valuemax={100}
      aria-valuenow={value === null ? undefined : Math.round(value)}
      className={cn('h-1.5 overflow-hidden rounded-full bg-slate-100', className)}
    >
      {value === null ? (
        <div className="h-full w-1/3 animate-indeterminate rounded-full bg-teal-500" />
      ) : (
        <div
          className="h-full rounded-full bg-teal-500 transition-[width] duration-200"
          style={{ width: `${Math.min(100, Math.max(0, value))}%` }}
        />
      )}
    </div>
  );
}
