import type { Study } from '@cdp/contracts';
import { Link } from '@tanstack/react-router';
import { ChevronRight } from 'lucide-react';
import { Fragment, type ReactNode } from 'react';

const linkClasses = 'hover:text-foreground hover:underline';

/** Studies › CDP-301 › Data › …, the last item being the current page. */
export function DataBreadcrumb({ study, trail = [] }: { study: Study; trail?: ReactNode[] }) {
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
      {trail.length === 0 ? (
        <span aria-current="page">Data</span>
      ) : (
        <Link to="/studies/$studyId/data" params={{ studyId: study.id }} className={linkClasses}>
          Data
        </Link>
      )}
      {trail.map((item, index) => (
        // biome-ignore lint/suspicious/noArrayIndexKey: the trail is fixed per page
        <Fragment key={index}>
          {separator}
          {index === trail.length - 1 ? <span aria-current="page">{item}</span> : item}
        </Fragment>
      ))}
    </nav>
  );
}
