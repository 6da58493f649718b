import type { DashboardPage } from '@cdp/contracts';
import { Link } from '@tanstack/react-router';
import { tabActiveClasses, tabListClasses, tabTriggerClasses } from '../../../components/ui/tabs.tsx';
import { cn } from '../../../lib/cn.ts';

interface PageMenuProps {
  studyId: string;
  dashboardId: string;
  pages: DashboardPage[];
  current: string | undefined;
}

/** The dashboard's pages as tabs; each is a link (`?page=`), so the URL says which page is open. */
export function PageMenu({ studyId, dashboardId, pages, current }: PageMenuProps) {
  if (pages.length < 2) return null;
  return (
    <nav aria-label="Dashboard pages" className={cn(tabListClasses, 'overflow-x-auto')}>
      {pages.map((page) => {
        const active = page.id === current;
        return (
          <Link
            key={page.id}
            to="/studies/$studyId/dashboards/$dashboardId"
            params={{ studyId, dashboardId }}
            search={(prev) => ({ ...prev, page: page.id, drill: undefined })}
            resetScroll={false}
            data-page={page.id}
            aria-current={active ? 'page' : undefined}
            className={cn(tabTriggerClasses, 'shrink-0', active && tabActiveClasses)}
          >
            {page.title}
          </Link>
        );
      })}
    </nav>
  );
}
