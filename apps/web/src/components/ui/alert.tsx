import { AlertCircle, AlertTriangle, CheckCircle2, Info } from 'lucide-react';
import type { ComponentProps, ReactNode } from 'react';
import { cn } from '../../lib/cn.ts';

const styles = {
  info: { box: 'border-blue-200 bg-info-soft text-info-soft-foreground', Icon: Info },
  success: { box: 'border-emerald-200 bg-success-soft text-success-soft-foreground', Icon: CheckCircle2 },
  warning: { box: 'border-amber-200 bg-warning-soft text-warning-soft-foreground', Icon: AlertTriangle },
  danger: { box: 'border-red-200 bg-destructive-soft text-destructive-soft-foreground', Icon: AlertCircle },
} as const;

interface AlertProps extends Omit<ComponentProps<'div'>, 'title'> {
  tone?: keyof typeof styles;
  title?: ReactNode;
}

/** An inline message box; danger alerts are announced to screen readers immediately. */
export function Alert({ tone = 'info', title, className, children, ...props }: AlertProps) {
  const { box, Icon } = styles[tone];
  return (
    <div
      role={tone === 'danger' ? 'alert' : 'status'}
      className={cn('flex gap-3 rounded-md border px-3.5 py-3 text-[13px] leading-relaxed', box, className)}
      {...props}
    >
      <Icon className="mt-0.5 size-4 shrink-0" aria-hidden />
      <div className="min-w-0 space-y-0.5">
        {title ? <p className="font-medium">{title}</p> : null}
        {children ? <div className={title ? 'opacity-90' : undefined}>{children}</div> : null}
      </div>
    </div>
  );
}
