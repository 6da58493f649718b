import { Link } from '@tanstack/react-router';
import { Building2 } from 'lucide-react';
import { useMe } from '../../features/auth/hooks/use-me.ts';
import { cn } from '../../lib/cn.ts';
import { Wordmark } from './logo.tsx';
import { MAIN_NAV, type NavItem, PLATFORM_NAV, showsPlatform, visibleItems } from './nav-items.ts';
import { UserMenu } from './user-menu.tsx';

function NavLink({ item, onNavigate }: { item: NavItem; onNavigate?: () => void }) {
  const Icon = item.icon;
  return (
    <Link
      to={item.to}
      onClick={onNavigate}
      activeOptions={{ exact: item.exact ?? false, includeSearch: false }}
      className="group flex h-8 items-center gap-2.5 rounded-md px-2.5 text-[13px] font-medium text-slate-600 transition-colors hover:bg-slate-200/60 hover:text-foreground focus-visible:outline-2 focus-visible:outline-ring"
      activeProps={{
        className: 'bg-surface! text-foreground! shadow-card ring-1 ring-border',
        'aria-current': 'page',
      }}
    >
      <Icon className="size-4 text-slate-500 group-aria-[current=page]:text-primary" aria-hidden />
      {item.label}
    </Link>
  );
}

/** The navigation column: product, organization, the pages this user may open, and the account menu. */
export function SidebarContent({ onNavigate }: { onNavigate?: () => void }) {
  const me = useMe();
  const main = visibleItems(MAIN_NAV, me);
  const platform = showsPlatform(me) ? visibleItems(PLATFORM_NAV, me) : [];
  return (
    <div className="flex h-full flex-col">
      <div className="px-4 pt-4 pb-3">
        <Wordmark subtitle={false} />
      </div>
      <div className="mx-3 mb-3 flex items-center gap-2.5 rounded-md border border-border bg-surface px-2.5 py-2 shadow-card">
        <span className="flex size-7 shrink-0 items-center justify-center rounded bg-slate-100 text-slate-600">
          <Building2 className="size-4" aria-hidden />
        </span>
        <span className="min-w-0">
          <span className="block truncate text-[13px] font-semibold" data-testid="organization-name">
            {me.organization.name}
          </span>
          <span className="block truncate text-xs text-muted-foreground">
            {me.organization.kind === 'platform' ? 'Platform operator' : 'Organization'}
          </span>
        </span>
      </div>
      <nav aria-label="Main" className="flex-1 space-y-6 overflow-y-auto px-3 py-2">
        <ul className="space-y-0.5">
          {main.map((item) => (
            <li key={item.label}>
              <NavLink item={item} onNavigate={onNavigate} />
            </li>
          ))}
        </ul>
        {platform.length > 0 ? (
          <section aria-labelledby="nav-platform">
            <h2
              id="nav-platform"
              className={cn('mb-1.5 px-2.5 text-[11px] font-semibold tracking-wider text-slate-400 uppercase')}
            >
              Platform
            </h2>
            <ul className="space-y-0.5">
              {platform.map((item) => (
                <li key={item.label}>
                  <NavLink item={item} onNavigate={onNavigate} />
                </li>
              ))}
            </ul>
          </section>
        ) : null}
      </nav>
      <div className="border-t border-border p-2">
        <UserMenu />
      </div>
    </div>
  );
}
