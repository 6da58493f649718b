import type { LinkProps } from '@tanstack/react-router';
import { TabLinks } from '../../../components/ui/tabs.tsx';
import { useFeature } from '../../auth/hooks/use-me.ts';

/** The study's sections; a section the user's roles do not open, or a feature switched off, is not offered. */
export function StudyTabs({ studyId, permissions }: { studyId: string; permissions: string[] }) {
  const dashboards = useFeature('dashboards');
  const reports = useFeature('scheduled_reports');
  const links: (LinkProps & { label: string })[] = [
    { label: 'Overview', to: '/studies/$studyId', params: { studyId } },
  ];
  if (dashboards && permissions.includes('dashboard:view:assigned')) {
    links.push({ label: 'Dashboards', to: '/studies/$studyId/dashboards', params: { studyId } });
  }
  if (permissions.includes('data:view:assigned')) {
    links.push({ label: 'Data', to: '/studies/$studyId/data', params: { studyId } });
  }
  if (permissions.includes('pipeline:view:assigned')) {
    links.push({ label: 'Pipelines', to: '/studies/$studyId/pipelines', params: { studyId } });
  }
  if (dashboards && reports && permissions.includes('dashboard:export:assigned')) {
    links.push({ label: 'Reports', to: '/studies/$studyId/reports', params: { studyId } });
  }
  if (permissions.includes('data:view:assigned') || permissions.includes('review:perform:assigned')) {
    links.push({ label: 'Review', to: '/studies/$studyId/review', params: { studyId } });
  }
  // Overview alone is no choice: no tab bar.
  if (links.length < 2) return null;
  return (
    // Five sections overflow a phone's width: the bar scrolls sideways instead of widening the page.
    <div className="mb-6 overflow-x-auto [&_a]:shrink-0 [&_a]:whitespace-nowrap [&_nav]:w-max [&_nav]:min-w-full">
      <TabLinks label="Study sections" links={links} />
    </div>
  );
}
