import { REVIEW_STATUSES, type ReviewStatus } from '@cdp/contracts';
import { createRoute, lazyRouteComponent } from '@tanstack/react-router';
import type { DatasetSearch } from '../features/data/components/dataset-viewer.tsx';
import { filtersFromSearch } from '../features/data/lib/row-filters.ts';
import { appRoute } from './app.tsx';

function name(value: unknown): string | undefined {
  return typeof value === 'string' && value && value.length <= 129 ? value : undefined;
}

export const studyDatasetRoute = createRoute({
  getParentRoute: () => appRoute,
  path: '/studies/$studyId/data/versions/$versionId/$dataset',
  validateSearch: (search: Record<string, unknown>): DatasetSearch => {
    const filter = filtersFromSearch(search.filter);
    const entries = {
      sort: name(search.sort),
      column: name(search.column),
      by: name(search.by),
      filter: filter.length ? filter : undefined,
      review: REVIEW_STATUSES.includes(search.review as ReviewStatus) ? (search.review as ReviewStatus) : undefined,
    };
    return Object.fromEntries(Object.entries(entries).filter(([, v]) => v !== undefined));
  },
  component: lazyRouteComponent(() => import('./study-dataset-page.tsx'), 'DatasetPage'),
});
