import { createRoute } from '@tanstack/react-router';
import { RequirePermission } from '../components/layout/no-access.tsx';
import { type CompareSearch, VersionCompare } from '../features/data/components/version-compare.tsx';
import { StudyGate } from '../features/studies/components/study-gate.tsx';
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
  component: CompareVersionsPage,
});

function CompareVersionsPage() {
  const { studyId } = studyDataCompareRoute.useParams();
  const search = studyDataCompareRoute.useSearch();
  return (
    <RequirePermission permission="study:view:assigned">
      <StudyGate studyId={studyId} title="Compare versions" permission="data:view:assigned">
        {(result) => <VersionCompare result={result} search={search} />}
      </StudyGate>
    </RequirePermission>
  );
}
