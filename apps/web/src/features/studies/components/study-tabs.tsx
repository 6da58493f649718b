import type { LinkProps } from '@tanstack/react-router';
import { TabLinks } from '../../../components/ui/tabs.tsx';

/** The study's sections; a section the user's roles do not open is not offered. */
export function StudyTabs({ studyId, permissions }: { studyId: string; permissions: string[] }) {
  const links: (LinkProps & { label: string })[] = [
    { label: 'Overview', to: '/studies/$studyId', params: { studyId } },
  ];
  if (permissions.includes('dashboard:view:assigned')) {
    links.push({ label: 'Dashboards', to: '/studies/$studyId/dashboards', params: { studyId } });
  }
  if (permissions.includes('data:view:assigned')) {
    links.push({ label: 'Data', to: '/studies/$studyId/data', params: { studyId } });
  }
  // Overview alone is no choice: no tab bar.
  if (links.length < 2) return null;
  return (
    <div className="mb-6">
      <TabLinks label="Study sections" links={links} />
    </div>
  );
}
