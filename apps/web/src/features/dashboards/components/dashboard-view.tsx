import type { Dashboard } from '@cdp/contracts';
import { useQueryClient } from '@tanstack/react-query';
import { Link } from '@tanstack/react-router';
import { Database, LayoutDashboard, Pencil, RefreshCw } from 'lucide-react';
import { useCallback, useEffect, useMemo, useRef } from 'react';
import { Button } from '../../../components/ui/button.tsx';
import { Card } from '../../../components/ui/card.tsx';
import { EmptyState } from '../../../components/ui/empty-state.tsx';
import { PageHeader } from '../../../components/ui/page-header.tsx';
import { cn } from '../../../lib/cn.ts';
import { formatRelative } from '../../../lib/format.ts';
import { useCan, useFeature } from '../../auth/hooks/use-me.ts';
import type { StudyWithPermissions } from '../../studies/api/studies-api.ts';
import { type DrillPoint, dashboardKeys, type WidgetDataScope } from '../api/dashboards-api.ts';
import { useFieldLabels } from '../hooks/use-field-labels.ts';
import { useStickyBar } from '../hooks/use-sticky-bar.ts';
import { type ReaderOptions, type WidgetReaderOptions, withReaderOptions } from '../lib/reader-options.ts';
import { crossFilterPoint, filtersForWidget, togglePoint, type ViewFilter } from '../lib/view-filters.ts';
import { loadWorldMap, warmUpCharts } from '../widget/echarts-setup.ts';
import { DashboardBreadcrumb } from './dashboard-breadcrumb.tsx';
import { DashboardGrid } from './dashboard-grid.tsx';
import { DashboardWidget } from './dashboard-widget.tsx';
import { DataVersionLine } from './data-version-line.tsx';
import { DrillSheet } from './drill-sheet.tsx';
import { EditDashboardLink } from './edit-dashboard-link.tsx';
import { ExportDialog } from './export-dialog.tsx';
import { FilterBar } from './filter-bar.tsx';
import { PageMenu } from './page-menu.tsx';
import { UnmappedBanner } from './unmapped-banner.tsx';

/** The view's state, all of it in the URL so a link shows someone else exactly this. */
export interface DashboardViewState {
  page?: string;
  filters: ViewFilter[];
  drill?: { widgetId: string; point: DrillPoint };
  /** Widget id → the choices its reader made on it (the AE explorer's event filters). */
  widgetOptions?: WidgetReaderOptions;
}

interface DashboardViewProps {
  study: StudyWithPermissions;
  dashboard: Dashboard;
  state: DashboardViewState;
  onStateChange: (next: Partial<DashboardViewState>) => void;
}

/**
 * A dashboard as its readers see it: its pages as tabs, the filter bar, and the page's widgets on
 * the grid. A click on a chart filters the other widgets; "View subjects" lists who is behind a number.
 */
export function DashboardView({ study, dashboard, state, onStateChange }: DashboardViewProps) {
  const { data: studyData, permissions } = study;
  const queryClient = useQueryClient();
  const fieldLabel = useFieldLabels();
  const { document } = dashboard;
  const page = document.pages.find((p) => p.id === state.page) ?? document.pages[0];
  // The map geometry is a chunk of its own: fetch it alongside the widgets' data, not after.
  const hasMap = page ? Object.values(page.widgets).some((w) => w.type === 'site-map') : false;
  useEffect(() => {
    if (hasMap) loadWorldMap().catch(() => undefined);
  }, [hasMap]);
  // While the widgets wait for their data, ECharts' first-use cost is paid off-screen (`warmUpCharts`).
  const hasWidgets = (page?.layout.length ?? 0) > 0;
  useEffect(() => {
    if (!hasWidgets || typeof requestIdleCallback !== 'function') return;
    const idle = requestIdleCallback(warmUpCharts);
    return () => cancelIdleCallback(idle);
  }, [hasWidgets]);
  const canEdit = permissions.includes('dashboard:edit:assigned');
  const mayExport = useCan('dashboard:export:assigned', dashboard.studyId);
  const exportsOn = useFeature('exports');
  const canExport = mayExport && exportsOn;
  const scope = useMemo<WidgetDataScope>(
    () => ({
      studyId: dashboard.studyId,
      dashboardId: dashboard.id,
      version: dashboard.version,
      dataVersionId: dashboard.activeVersionId,
    }),
    [dashboard.studyId, dashboard.id, dashboard.version, dashboard.activeVersionId],
  );
  const { filters } = state;
  const bar = useRef<HTMLDivElement>(null);
  const sentinel = useRef<HTMLDivElement>(null);
  const stuck = useStickyBar(bar, sentinel);
  const onPoint = useCallback(
    (widgetId: string, point: DrillPoint) => {
      const widget = document.pages.find((p) => p.widgets[widgetId])?.widgets[widgetId];
      const cross = widget ? crossFilterPoint(widget, point) : {};
      if (Object.keys(cross).length > 0) onStateChange({ filters: togglePoint(filters, cross, widgetId) });
    },
    [document, filters, onStateChange],
  );
  const { widgetOptions } = state;
  const onReaderOptions = useCallback(
    (widgetId: string, options: ReaderOptions) =>
      onStateChange({ widgetOptions: withReaderOptions(widgetOptions, widgetId, options) }),
    [widgetOptions, onStateChange],
  );
  const onDrill = useCallback(
    (widgetId: string, point: DrillPoint) => onStateChange({ drill: { widgetId, point } }),
    [onStateChange],
  );

  const drilled = state.drill ? document.pages.find((p) => state.drill && p.widgets[state.drill.widgetId]) : undefined;
  const drillWidget = state.drill && drilled ? drilled.widgets[state.drill.widgetId] : undefined;
  const noData = dashboard.activeVersionId === null;
  // As `FilterBar` decides whether it draws anything.
  const filterBarShown = document.filters.length > 0 || filters.length > 0;
  const unmapped = useMemo(() => new Set(dashboard.unmapped.map((u) => u.widgetId)), [dashboard.unmapped]);

  return (
    <>
      <PageHeader
        eyebrow={<DashboardBreadcrumb study={studyData} current={dashboard.name} />}
        title={dashboard.name}
        description={
          <>
            {dashboard.description ??
              `${studyData.code} · updated ${formatRelative(dashboard.updatedAt)}${dashboard.updatedBy ? ` by ${dashboard.updatedBy.name}` : ''}`}
            {dashboard.dataVersion ? <DataVersionLine stamp={dashboard.dataVersion} className="mt-1" /> : null}
          </>
        }
        actions={
          <>
            <Button
              variant="ghost"
              size="icon"
              aria-label="Reload the data"
              title="Reload the data"
              onClick={() =>
                queryClient.invalidateQueries({ queryKey: dashboardKeys.dashboard(dashboard.studyId, dashboard.id) })
              }
            >
              <RefreshCw />
            </Button>
            {canExport && dashboard.activeVersionId !== null ? (
              <ExportDialog
                studyId={dashboard.studyId}
                dashboardId={dashboard.id}
                pages={document.pages}
                currentPage={page?.id}
                filters={state.filters}
                widgetOptions={widgetOptions}
              />
            ) : null}
            {canEdit ? (
              <Button asChild variant="secondary">
                <EditDashboardLink studyId={dashboard.studyId} dashboardId={dashboard.id} page={page?.id}>
                  <Pencil />
                  Edit
                </EditDashboardLink>
              </Button>
            ) : null}
          </>
        }
      />
      {noData ? (
        <Card>
          <EmptyState
            icon={Database}
            title="This study has no data yet"
            description="The dashboard fills in once a data version is uploaded and activated."
            action={
              permissions.includes('data:view:assigned') ? (
                <Button asChild variant="secondary">
                  <Link to="/studies/$studyId/data" params={{ studyId: studyData.id }}>
                    Go to Data
                  </Link>
                </Button>
              ) : null
            }
          />
        </Card>
      ) : (
        <div className="space-y-4">
          <UnmappedBanner dashboard={dashboard} fieldLabel={fieldLabel} canEdit={canEdit} />
          {/*
           * Tabs, the bar's marker, the filter bar and the page in one block with no space between
           * them: the bar's own padding is the room above and below its chips (`space-y-*` puts its
           * margin under every child but the last, which the sentinel and the bar each added: 45 px
           * between the tabs and the chips, 33 px down to the widgets).
           */}
          <div>
            <PageMenu
              studyId={dashboard.studyId}
              dashboardId={dashboard.id}
              pages={document.pages}
              current={page?.id}
            />
            <div ref={sentinel} aria-hidden className="h-px" />
            <div
              ref={bar}
              data-filter-bar
              data-stuck={stuck || undefined}
              className={cn(
                'sticky top-14 z-30 -mx-4 border-b border-transparent bg-background px-4 py-3 transition-shadow sm:-mx-6 sm:px-6 lg:top-0 lg:-mx-10 lg:px-10 empty:hidden',
                stuck && 'border-border shadow-[0_6px_12px_-10px_rgb(15_23_42/0.35)]',
              )}
            >
              <FilterBar
                defs={document.filters}
                filters={filters}
                onChange={(next) => onStateChange({ filters: next })}
                fieldLabel={fieldLabel}
                studyId={dashboard.studyId}
                dashboardId={dashboard.id}
                dataVersionId={dashboard.activeVersionId}
              />
            </div>
            {page ? (
              // With the filter bar, its padding is most of the room above the widgets.
              <div className={filterBarShown ? 'pt-1' : 'pt-4'} data-dashboard-page={page.id}>
                {page.layout.length === 0 ? (
                  <Card>
                    <EmptyState
                      icon={LayoutDashboard}
                      title="This page has no widgets"
                      description={
                        canEdit
                          ? 'Add charts, tables and metrics in the builder.'
                          : 'Nobody has added widgets to it yet.'
                      }
                      action={
                        canEdit ? (
                          <Button asChild>
                            <EditDashboardLink studyId={dashboard.studyId} dashboardId={dashboard.id} page={page.id}>
                              <Pencil />
                              Add widgets
                            </EditDashboardLink>
                          </Button>
                        ) : null
                      }
                    />
                  </Card>
                ) : (
                  <DashboardGrid layout={page.layout}>
                    {(item) => {
                      const widget = page.widgets[item.i];
                      return widget ? (
                        <DashboardWidget
                          scope={scope}
                          widgetId={item.i}
                          widget={widget}
                          filters={filters}
                          onPoint={onPoint}
                          onDrill={onDrill}
                          readerOptions={widgetOptions?.[item.i]}
                          onReaderOptions={onReaderOptions}
                          mapFieldsPage={canEdit && unmapped.has(item.i) ? page.id : undefined}
                        />
                      ) : null;
                    }}
                  </DashboardGrid>
                )}
              </div>
            ) : null}
          </div>
        </div>
      )}
      <DrillSheet
        scope={scope}
        drill={
          state.drill && drillWidget
            ? {
                widgetId: state.drill.widgetId,
                widgetTitle: drillWidget.title,
                point: state.drill.point,
                filters: filtersForWidget(filters, state.drill.widgetId),
                options: widgetOptions?.[state.drill.widgetId],
                dataVersion: dashboard.dataVersion,
              }
            : null
        }
        canExport={permissions.includes('dashboard:export:assigned')}
        onClose={() => onStateChange({ drill: undefined })}
      />
    </>
  );
}
