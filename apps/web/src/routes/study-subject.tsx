import { createRoute, lazyRouteComponent } from '@tanstack/react-router';
import { appRoute } from './app.tsx';

interface SubjectSearch {
  /** The remembered list the reader came from (`rememberSubjectList`), for previous/next. */
  list?: string;
}

export const studySubjectRoute = createRoute({
  getParentRoute: () => appRoute,
  path: '/studies/$studyId/subjects/$subjectId',
  validateSearch: (search: Record<string, unknown>): SubjectSearch =>
    typeof search.list === 'string' && /^[A-Za-z0-9-]{1,40}$/.test(search.list) ? { list: search.list } : {},
  // The profile's code (its timeline draws chart types no dashboard uses) loads only when opened.
  component: lazyRouteComponent(() => import('./study-subject-page.tsx'), 'SubjectPage'),
});
