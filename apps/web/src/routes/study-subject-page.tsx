import { REVIEW_PERMISSION } from '@cdp/contracts';
import { RequirePermission } from '../components/layout/no-access.tsx';
import { StudyGate } from '../features/studies/components/study-gate.tsx';
import { SubjectProfilePage } from '../features/subjects/components/subject-profile-page.tsx';
import { studySubjectRoute } from './study-subject.tsx';

/** The patient profile page: a chunk of its own, with the chart types only it draws (`profile-echarts.ts`). */
export function SubjectPage() {
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
