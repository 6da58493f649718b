import { ChevronRight } from 'lucide-react';
import { Collapsible } from 'radix-ui';
import type { ReactNode } from 'react';
import { cn } from '../../lib/cn.ts';

interface DisclosureProps {
  /** The always-visible line that opens and closes the panel. */
  title: ReactNode;
  /** Extra words after the title (a hint of what is set inside). */
  hint?: ReactNode;
  open?: boolean;
  defaultOpen?: boolean;
  onOpenChange?: (open: boolean) => void;
  children: ReactNode;
  className?: string;
}

/**
 * A titled panel that opens and closes: the app's chevron (as on the audit trail's rows) instead of
 * the browser's own `<details>` triangle, with the button's `aria-expanded` and the panel linked.
 */
export function Disclosure({ title, hint, open, defaultOpen, onOpenChange, children, className }: DisclosureProps) {
  return (
    <Collapsible.Root
      {...(open !== undefined ? { open } : {})}
      {...(defaultOpen !== undefined ? { defaultOpen } : {})}
      {...(onOpenChange ? { onOpenChange } : {})}
      className={cn('group/disclosure rounded-md border border-border bg-surface text-sm', className)}
    >
      <Collapsible.Trigger className="flex w-full items-center gap-1.5 rounded-md px-3 py-2.5 text-left font-medium text-foreground hover:bg-surface-muted focus-visible:outline-2 focus-visible:outline-ring">
        <ChevronRight
          className="size-4 shrink-0 text-muted-foreground transition-transform group-data-[state=open]/disclosure:rotate-90"
          aria-hidden
        />
        <span>{title}</span>
        {hint ? <span className="font-normal text-muted-foreground">{hint}</span> : null}
      </Collapsible.Trigger>
      <Collapsible.Content className="px-4">{children}</Collapsible.Content>
    </Collapsible.Root>
  );
}
