import { cn } from '../../lib/cn.ts';

/** The CDP mark: a trace line in a teal tile. */
export function LogoMark({ className }: { className?: string }) {
  return (
    <svg viewBox="0 0 32 32" className={cn('size-8 shrink-0', className)} aria-hidden>
      <rect width="32" height="32" rx="8" className="fill-primary" />
      <path
        d="M6 17h5l2.5-6 4 11 2.5-5H26"
        fill="none"
        stroke="#fff"
        strokeWidth="2.6"
        strokeLinecap="round"
        strokeLinejoin="round"
      />
    </svg>
  );
}

export function Wordmark({ subtitle = true, className }: { subtitle?: boolean; className?: string }) {
  return (
    <div className={cn('flex items-center gap-2.5', className)}>
      <LogoMark />
      <div className="leading-tight">
        <p className="text-[15px] font-semibold tracking-tight">CDP</p>
        {subtitle ? <p className="text-xs text-muted-foreground">Clinical Dashboard Platform</p> : null}
      </div>
    </div>
  );
}
