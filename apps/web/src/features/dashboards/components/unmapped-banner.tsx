import type { Dashboard } from '@cdp/contracts';
import { ArrowRight } from 'lucide-react';
import { Alert } from '../../../components/ui/alert.tsx';
import { plural } from '../../../lib/format.ts';
import { EditDashboardLink } from './edit-dashboard-link.tsx';

interface UnmappedBannerProps {
  dashboard: Dashboard;
  fieldLabel: (field: string) => string;
  canEdit: boolean;
}

/**
 * Widgets that cannot show anything yet, each with the reason the widget itself gives (a missing
 * dataset is not a missing mapping), so the banner and the widget never disagree.
 */
export function UnmappedBanner({ dashboard, fieldLabel, canEdit }: UnmappedBannerProps) {
  const { unmapped } = dashboard;
  if (unmapped.length === 0) return null;
  const pageTitle = (id: string) => dashboard.document.pages.find((p) => p.id === id)?.title ?? id;
  return (
    <Alert
      tone="warning"
      title={`${plural(unmapped.length, 'widget cannot', 'widgets cannot')} show data`}
      data-unmapped
    >
      <ul className="mt-1 space-y-0.5">
        {unmapped.slice(0, 6).map((widget) => (
          <li key={widget.widgetId}>
            <span className="font-medium">{widget.title}</span>
            <span className="opacity-80"> ({pageTitle(widget.pageId)})</span>:{' '}
            {widget.reason ?? `map ${widget.fields.map(fieldLabel).join(', ')}`}
          </li>
        ))}
        {unmapped.length > 6 ? <li>and {plural(unmapped.length - 6, 'more widget')}</li> : null}
      </ul>
      {canEdit ? (
        <EditDashboardLink
          studyId={dashboard.studyId}
          dashboardId={dashboard.id}
          page={unmapped[0]?.pageId}
          className="mt-2 inline-flex items-center gap-1 font-medium underline-offset-4 hover:underline"
        >
          Fix them in the builder
          <ArrowRight className="size-3.5" aria-hidden />
        </EditDashboardLink>
      ) : (
        <p className="mt-1">Ask someone who can edit dashboards to map them.</p>
      )}
    </Alert>
  );
}
