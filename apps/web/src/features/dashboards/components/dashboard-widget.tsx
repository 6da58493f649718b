import type { WidgetDefinition } from '@cdp/contracts';
import { useMutation, useQuery } from '@tanstack/react-query';
import { memo, useEffect, useMemo, useState } from 'react';
import { Button } from '../../../components/ui/button.tsx';
import { toast } from '../../../components/ui/toaster.tsx';
import { errorMessage } from '../../../lib/api-error.ts';
import { useCan, useFeature } from '../../auth/hooks/use-me.ts';
import { useCanOpenProfile } from '../../subjects/use-can-open-profile.ts';
import {
  type DrillPoint,
  isListing,
  type TableView,
  type WidgetDataScope,
  widgetDataQuery,
} from '../api/dashboards-api.ts';
import { downloadWidgetExport, type WidgetExportFormat } from '../api/exports-api.ts';
import { filtersForWidget, type ViewFilter, widgetSelection } from '../lib/view-filters.ts';
import { WidgetCard } from '../widget/widget-card.tsx';
import { EditDashboardLink } from './edit-dashboard-link.tsx';

interface DashboardWidgetProps {
  scope: WidgetDataScope;
  widgetId: string;
  widget: WidgetDefinition;
  filters: ViewFilter[];
  onPoint: (widgetId: string, point: DrillPoint) => void;
  onDrill: (widgetId: string, point: DrillPoint) => void;
  /** The widget lacks field mappings and the user may fix them: its error links to the builder on this page. */
  mapFieldsPage?: string;
}

/**
 * A widget of the view with its own data query: every widget of a page loads in parallel and
 * shows itself as soon as its answer arrives, whatever the others are doing.
 */
export const DashboardWidget = memo(function DashboardWidget({
  scope,
  widgetId,
  widget,
  filters,
  onPoint,
  onDrill,
  mapFieldsPage,
}: DashboardWidgetProps) {
  const applied = useMemo(() => filtersForWidget(filters, widgetId), [filters, widgetId]);
  // Listings page and sort on the server; new filters start again at the first page.
  const listing = isListing(widget.type);
  const [view, setView] = useState<TableView>({ offset: 0 });
  const filterKey = JSON.stringify(applied);
  // biome-ignore lint/correctness/useExhaustiveDependencies: the filters' identity is what resets the page
  useEffect(() => setView((v) => (v.offset === 0 ? v : { ...v, offset: 0 })), [filterKey]);
  const query = useQuery(widgetDataQuery(scope, widgetId, applied, listing ? view : undefined));
  const selection = useMemo(() => widgetSelection(widget, filters, widgetId), [widget, filters, widgetId]);
  const subjects = useMemo(() => ({ studyId: scope.studyId }), [scope.studyId]);
  const mayExport = useCan('dashboard:export:assigned', scope.studyId);
  const exportsOn = useFeature('exports');
  const canExport = mayExport && exportsOn;
  // Subject ids open the patient profile for readers who may read it.
  const mayReadSubjects = useCanOpenProfile(scope.studyId);
  const exported = useMutation({
    mutationFn: (format: WidgetExportFormat) => downloadWidgetExport(scope, widgetId, applied, format),
    onSuccess: (file) => toast.success('Download ready', { description: `${file} was downloaded.` }),
    onError: (error) => toast.error('Download failed', { description: errorMessage(error) }),
  });
  return (
    <WidgetCard
      widget={widget}
      widgetId={widgetId}
      query={query}
      selection={selection}
      paging={listing ? { view, onView: setView } : undefined}
      subjects={mayReadSubjects ? subjects : undefined}
      onExport={canExport ? (format) => exported.mutate(format) : undefined}
      onPoint={(point) => onPoint(widgetId, point)}
      onDrill={(point) => onDrill(widgetId, point)}
      errorAction={
        mapFieldsPage ? (
          <Button asChild size="sm" variant="secondary">
            <EditDashboardLink studyId={scope.studyId} dashboardId={scope.dashboardId} page={mapFieldsPage}>
              Map fields
            </EditDashboardLink>
          </Button>
        ) : undefined
      }
    />
  );
});
