import { REVIEW_PERMISSION } from '@cdp/contracts';
import { createRoute } from '@tanstack/react-router';
import { RequirePermission } from '../components/layout/no-access.tsx';
import { StudyGate } from '../features/studies/components/study-gate.tsx';
import { SubjectProfilePage } from '../features/subjects/components/subject-profile-page.tsx';
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
  component: SubjectPage,
});

function SubjectPage() {
  const { studyId, subjectId } = studySubjectRoute.useParams();
  const { list } = studySubjectRoute.useSearch();
  return (
    <RequirePermission permission="study:view:assigned">
      <StudyGate studyId={studyId} title="Patient profile" permission={['data:view:assigned', REVIEW_PERMISSION]}>
        {(study) => <SubjectProfilePage key={subjectId} study={study.data} subjectId={subjectId} listKey={list} />}
      </StudyGate>
    </RequirePermission>
  );
}
