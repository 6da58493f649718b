import type { Study } from '@cdp/contracts';
import { Link } from '@tanstack/react-router';
import { ChevronRight } from 'lucide-react';

const linkClasses = 'hover:text-foreground hover:underline';

/** Studies › CDP-301 › Dashboards (› name): the last item is the current page. */
export function DashboardBreadcrumb({ study, current }: { study: Study; current?: string }) {
  const separator = <ChevronRight className="size-3.5 shrink-0" aria-hidden />;
  return (
    <nav aria-label="Breadcrumb" className="flex min-w-0 flex-wrap items-center gap-1">
      <Link to="/studies" className={linkClasses}>
        Studies
      </Link>
      {separator}
      <Link to="/studies/$studyId" params={{ studyId: study.id }} className={linkClasses}>
        {study.code}
      </Link>
      {separator}
      {current === undefined ? (
        <span aria-current="page">Dashboards</span>
      ) : (
        <>
          <Link to="/studies/$studyId/dashboards" params={{ studyId: study.id }} className={linkClasses}>
            Dashboards
          </Link>
          {separator}
          <span aria-current="page" className="truncate">
            {current}
          </span>
        </>
      )}
    </nav>
  );
}
