import { Link, type LinkProps } from '@tanstack/react-router';
import { Tabs as TabsPrimitive } from 'radix-ui';
import type { ComponentProps } from 'react';
import { cn } from '../../lib/cn.ts';

export const Tabs = TabsPrimitive.Root;

export const tabListClasses = 'flex items-center gap-1 border-b border-border';
export const tabTriggerClasses =
  '-mb-px inline-flex h-9 items-center gap-2 border-b-2 border-transparent px-3 text-[13px] font-medium text-muted-foreground transition-colors hover:text-foreground focus-visible:outline-2 focus-visible:outline-offset-[-2px] focus-visible:outline-ring [&_svg]:size-4';
export const tabActiveClasses = 'border-primary! text-foreground!';

export function TabsList({ className, ...props }: ComponentProps<typeof TabsPrimitive.List>) {
  return <TabsPrimitive.List className={cn(tabListClasses, className)} {...props} />;
}

export function TabsTrigger({ className, ...props }: ComponentProps<typeof TabsPrimitive.Trigger>) {
  return (
    <TabsPrimitive.Trigger
      className={cn(
        tabTriggerClasses,
        'data-[state=active]:border-primary data-[state=active]:text-foreground',
        className,
      )}
      {...props}
    />
  );
}

export function TabsContent({ className, ...props }: ComponentProps<typeof TabsPrimitive.Content>) {
  return <TabsPrimitive.Content className={cn('pt-6 focus-visible:outline-none', className)} {...props} />;
}

/** Tabs that are pages: each is a link, so the URL says which one is open. */
export function TabLinks({ links, label }: { label: string; links: (LinkProps & { label: string })[] }) {
  return (
    <nav aria-label={label} className={tabListClasses}>
      {links.map(({ label: text, ...link }) => (
        <Link
          key={text}
          {...link}
          className={tabTriggerClasses}
          activeProps={{ className: tabActiveClasses, 'aria-current': 'page' }}
          activeOptions={{ exact: true, includeSearch: false }}
        >
          {text}
        </Link>
      ))}
    </nav>
  );
}
