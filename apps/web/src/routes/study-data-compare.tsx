import { createRoute, lazyRouteComponent } from '@tanstack/react-router';
import type { CompareSearch } from '../features/data/components/version-compare.tsx';
import { appRoute } from './app.tsx';

function text(value: unknown): string | undefined {
  return typeof value === 'string' && value.trim() ? value.trim().slice(0, 500) : undefined;
}

export const studyDataCompareRoute = createRoute({
  getParentRoute: () => appRoute,
  path: '/studies/$studyId/data/compare',
  validateSearch: (search: Record<string, unknown>): CompareSearch => {
    const entries = { from: text(search.from), to: text(search.to), key: text(search.key) };
    return Object.fromEntries(Object.entries(entries).filter(([, v]) => v !== undefined));
  },
  component: lazyRouteComponent(() => import('./study-data-compare-page.tsx'), 'CompareVersionsPage'),
});
