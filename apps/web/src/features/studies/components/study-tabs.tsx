import { TabLinks } from '../../../components/ui/tabs.tsx';

/** The study's sections; a section the user's roles do not open is not offered. */
export function StudyTabs({ studyId, permissions }: { studyId: string; permissions: string[] }) {
  if (!permissions.includes('data:view:assigned')) return null;
  return (
    <div className="mb-6">
      <TabLinks
        label="Study sections"
        links={[
          { label: 'Overview', to: '/studies/$studyId', params: { studyId } },
          { label: 'Data', to: '/studies/$studyId/data', params: { studyId } },
        ]}
      />
    </div>
  );
}
