import { Outlet } from '@tanstack/react-router';
import { Menu } from 'lucide-react';
import { Dialog as DialogPrimitive } from 'radix-ui';
import { useState } from 'react';
import { useMe } from '../../features/auth/hooks/use-me.ts';
import { Button } from '../ui/button.tsx';
import { overlayClasses } from '../ui/dialog.tsx';
import { IdleWarning } from './idle-warning.tsx';
import { Wordmark } from './logo.tsx';
import { SidebarContent } from './sidebar.tsx';
import { UserMenu } from './user-menu.tsx';

/** Sidebar on wide screens; a top bar with a drawer on narrow ones. */
export function AppShell() {
  const me = useMe();
  const [drawerOpen, setDrawerOpen] = useState(false);
  return (
    <div className="min-h-dvh bg-background">
      <a
        href="#main"
        className="sr-only z-50 rounded-md bg-primary px-3 py-2 text-primary-foreground focus:not-sr-only focus:fixed focus:top-3 focus:left-3"
      >
        Skip to content
      </a>
      <aside className="fixed inset-y-0 left-0 hidden w-60 border-r border-border bg-sidebar lg:block">
        <SidebarContent />
      </aside>

      <DialogPrimitive.Root open={drawerOpen} onOpenChange={setDrawerOpen}>
        <header className="sticky top-0 z-30 flex h-14 items-center gap-3 border-b border-border bg-surface/85 px-4 backdrop-blur lg:hidden">
          <DialogPrimitive.Trigger asChild>
            <Button variant="ghost" size="icon" aria-label="Open navigation">
              <Menu />
            </Button>
          </DialogPrimitive.Trigger>
          <Wordmark subtitle={false} />
          <span className="ml-1 truncate text-[13px] text-muted-foreground">{me.organization.name}</span>
          <div className="ml-auto">
            <UserMenu compact />
          </div>
        </header>
        <DialogPrimitive.Portal>
          <DialogPrimitive.Overlay className={overlayClasses} />
          <DialogPrimitive.Content
            className="fixed inset-y-0 left-0 z-50 w-72 max-w-[85vw] border-r border-border bg-sidebar shadow-overlay focus:outline-none data-[state=open]:animate-slide-in-left"
            aria-describedby={undefined}
          >
            <DialogPrimitive.Title className="sr-only">Navigation</DialogPrimitive.Title>
            <SidebarContent onNavigate={() => setDrawerOpen(false)} />
          </DialogPrimitive.Content>
        </DialogPrimitive.Portal>
      </DialogPrimitive.Root>

      <div className="lg:pl-60">
        <main
          id="main"
          tabIndex={-1}
          className="mx-auto w-full max-w-6xl px-4 py-6 focus:outline-none sm:px-6 lg:px-10 lg:py-9"
        >
          <Outlet />
        </main>
      </div>
      <IdleWarning idleMinutes={me.sessionIdleMinutes} />
    </div>
  );
}
