import { cva, type VariantProps } from 'class-variance-authority';
import type { ComponentProps } from 'react';
import { cn } from '../../lib/cn.ts';

export const badgeVariants = cva(
  'inline-flex max-w-full items-center gap-1 rounded-full border px-2 py-0.5 text-xs font-medium whitespace-nowrap [&_svg]:size-3 [&_svg]:shrink-0',
  {
    variants: {
      tone: {
        neutral: 'border-slate-200 bg-slate-100 text-slate-700',
        accent: 'border-teal-200 bg-primary-soft text-primary-soft-foreground',
        success: 'border-emerald-200 bg-success-soft text-success-soft-foreground',
        warning: 'border-amber-200 bg-warning-soft text-warning-soft-foreground',
        danger: 'border-red-200 bg-destructive-soft text-destructive-soft-foreground',
        info: 'border-blue-200 bg-info-soft text-info-soft-foreground',
        muted: 'border-slate-200 bg-surface text-muted-foreground',
      },
    },
    defaultVariants: { tone: 'neutral' },
  },
);

export type BadgeTone = NonNullable<VariantProps<typeof badgeVariants>['tone']>;

export function Badge({ className, tone, ...props }: ComponentProps<'span'> & VariantProps<typeof badgeVariants>) {
  return <span className={cn(badgeVariants({ tone }), className)} {...props} />;
}

/** A coloured dot + label, for statuses in dense tables. */
export function StatusDot({ tone = 'neutral', children }: { tone?: BadgeTone; children: string }) {
  const dot: Record<BadgeTone, string> = {
    neutral: 'bg-slate-400',
    accent: 'bg-teal-500',
    success: 'bg-emerald-500',
    warning: 'bg-amber-500',
    danger: 'bg-red-500',
    info: 'bg-blue-500',
    muted: 'bg-slate-300',
  };
  return (
    <span className="inline-flex items-center gap-1.5 text-[13px] whitespace-nowrap">
      <span className={cn('size-1.5 rounded-full', dot[tone])} aria-hidden />
      {children}
    </span>
  );
}
