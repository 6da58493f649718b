import type { Study } from '@cdp/contracts';
import { Link } from '@tanstack/react-router';
import { ChevronRight } from 'lucide-react';
import { Fragment, type ReactNode } from 'react';

const linkClasses = 'hover:text-foreground hover:underline';

/** A study's tabs that have pages of their own, by the path of their first page. */
const SECTIONS = {
  dashboards: { label: 'Dashboards', to: '/studies/$studyId/dashboards' },
  data: { label: 'Data', to: '/studies/$studyId/data' },
  pipelines: { label: 'Pipelines', to: '/studies/$studyId/pipelines' },
  review: { label: 'Review', to: '/studies/$studyId/review' },
  reports: { label: 'Reports', to: '/studies/$studyId/reports' },
} as const;

export type StudySection = keyof typeof SECTIONS;

/**
 * Studies › CDP-301 › Data › …, the last item being the current page: one shape for every page
 * under a study's tabs. Without a section (a page no tab holds, the patient profile), the trail
 * follows the study's code.
 */
export function StudyBreadcrumb({
  study,
  section,
  trail = [],
}: {
  study: Pick<Study, 'id' | 'code'>;
  section?: StudySection;
  trail?: ReactNode[];
}) {
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
      {section ? (
        <>
          {separator}
          {trail.length === 0 ? (
            <span aria-current="page">{SECTIONS[section].label}</span>
          ) : (
            <Link to={SECTIONS[section].to} params={{ studyId: study.id }} className={linkClasses}>
              {SECTIONS[section].label}
            </Link>
          )}
        </>
      ) : null}
      {trail.map((item, index) => (
        // biome-ignore lint/suspicious/noArrayIndexKey: the trail is fixed per page
        <Fragment key={index}>
          {separator}
          {index === trail.length - 1 ? (
            <span aria-current="page" className="truncate">
              {item}
            </span>
          ) : (
            item
          )}
        </Fragment>
      ))}
    </nav>
  );
}
