import { AlertDialog as AlertDialogPrimitive } from 'radix-ui';
import type { ReactNode } from 'react';
import { cn } from '../../lib/cn.ts';
import { overlayClasses, panelClasses } from './dialog.tsx';

export const AlertDialog = AlertDialogPrimitive.Root;
export const AlertDialogCancel = AlertDialogPrimitive.Cancel;

interface AlertDialogContentProps {
  title: ReactNode;
  description?: ReactNode;
  children: ReactNode;
  className?: string;
}

/**
 * A confirmation that needs an answer: it does not close on an outside click, Escape cancels,
 * focus stays inside until it closes.
 */
export function AlertDialogContent({ title, description, children, className }: AlertDialogContentProps) {
  return (
    <AlertDialogPrimitive.Portal>
      <AlertDialogPrimitive.Overlay className={overlayClasses} />
      <AlertDialogPrimitive.Content className={cn(panelClasses, 'max-w-md', className)}>
        <div className="space-y-2 px-6 pt-5 pb-1">
          <AlertDialogPrimitive.Title className="text-base font-semibold tracking-tight">
            {title}
          </AlertDialogPrimitive.Title>
          {description ? (
            <AlertDialogPrimitive.Description className="text-[13px] leading-relaxed text-muted-foreground">
              {description}
            </AlertDialogPrimitive.Description>
          ) : null}
        </div>
        {children}
      </AlertDialogPrimitive.Content>
    </AlertDialogPrimitive.Portal>
  );
}
