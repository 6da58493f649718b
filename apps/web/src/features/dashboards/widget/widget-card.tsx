import type { WidgetDataResponse, WidgetDefinition } from '@cdp/contracts';
import { type UseQueryResult, useQuery } from '@tanstack/react-query';
import { AlertTriangle, FilterX, RotateCw } from 'lucide-react';
import { type ReactNode, useCallback, useMemo, useState } from 'react';
import { Card } from '../../../components/ui/card.tsx';
import { Spinner } from '../../../components/ui/spinner.tsx';
import { errorMessage, isApiError } from '../../../lib/api-error.ts';
import { cn } from '../../../lib/cn.ts';
import type { SubjectLinkTarget } from '../../subjects/components/subject-link.tsx';
import { type DrillPoint, type TableView, widgetTypesQuery } from '../api/dashboards-api.ts';
import type { WidgetExportFormat } from '../api/exports-api.ts';
import { useFieldLabels } from '../hooks/use-field-labels.ts';
import { fadeUnselected, type PointSelection } from '../lib/chart-option.ts';
import { rulesOf } from '../lib/conditional-format.ts';
import { otherBucket } from '../lib/other-bucket.ts';
import { ChartWidget } from './chart-widget.tsx';
import { MetricWidget } from './metric-widget.tsx';
import { TableWidget } from './table-widget.tsx';
import { isEmptyAnswer, widgetKind } from './widget-kind.ts';
import { WidgetMenu } from './widget-menu.tsx';
import { WidgetSkeleton } from './widget-skeleton.tsx';

export type WidgetState = 'loading' | 'ready' | 'empty' | 'error';

export interface WidgetCardProps {
  widget: WidgetDefinition;
  /** The widget's id in its page: written to `data-widget-id` (tests and the builder find widgets by it). */
  widgetId?: string;
  /** The heading; the widget's own title when absent (the builder shows unsaved edits this way). */
  title?: string;
  /** Where the data comes from is the caller's business: the view's data endpoint, the builder's preview. */
  query: UseQueryResult<WidgetDataResponse, Error>;
  /** A bar, slice, node or row was clicked: the dimension values it stands for, keyed by field. */
  onPoint?: (point: DrillPoint) => void;
  /** "View subjects" behind an aggregate (an empty point: behind the whole widget). */
  onDrill?: (point: DrillPoint) => void;
  /** Outlined as the builder's current selection. */
  selected?: boolean;
  /** The points this widget's own cross-filters selected: other chart items fade, table rows are marked. */
  selection?: PointSelection;
  /** Extra controls at the right of the header (the builder's edit and remove buttons). */
  toolbar?: ReactNode;
  /** Shown under the error's reason (e.g. a link to map the missing fields). */
  errorAction?: ReactNode;
  /** Listings: the reader's page and sort, kept by the caller (it is part of the data query). */
  paging?: { view: TableView; onView: (view: TableView) => void };
  /** The widget menu's downloads, made on the server (the saved dashboard's view only). */
  onExport?: (format: WidgetExportFormat) => void;
  /** Subject ids in the answer link to their profiles in this study. */
  subjects?: SubjectLinkTarget;
  /** A subject's review mark beside its id in a listing. */
  subjectMark?: (subjectId: string) => ReactNode;
  className?: string;
}

/**
 * One widget, drawn by what its answer holds: a metric, an ECharts chart (map and sankey flow
 * included) or a table. Never a blank box: a skeleton shaped like the widget while loading, then
 * the data, "no rows match", or the server's reason it cannot be shown.
 */
/** Rows per page of a listing widget, from its options (the server's default is 50). */
function pageSizeOf(widget: WidgetDefinition): number {
  const size = widget.options.pageSize;
  return typeof size === 'number' && size > 0 ? size : 50;
}

export function WidgetCard({
  widget,
  widgetId,
  title,
  query,
  onPoint,
  onDrill,
  selected,
  selection,
  toolbar,
  errorAction,
  className,
  paging,
  onExport,
  subjects,
  subjectMark,
}: WidgetCardProps) {
  const heading = title ?? widget.title;
  const types = useQuery(widgetTypesQuery);
  const category = types.data?.data.find((t) => t.type === widget.type)?.category;
  const fieldLabel = useFieldLabels();
  const data = query.data;
  const kind = widgetKind(category, data);
  const [asTable, setAsTable] = useState(false);
  const [rendered, setRendered] = useState<Record<string, unknown> | null>(null);
  // A map that could not be drawn (its geometry failed to load), for the option it failed on.
  const [drawError, setDrawError] = useState<{ option: unknown; error: unknown } | null>(null);
  const rules = useMemo(() => rulesOf(widget.options), [widget.options]);
  const onRendered = useCallback((option: Record<string, unknown>) => setRendered(() => option), []);
  // A top N's "Other" is said under the chart, not drawn at the scale of the bars it dwarfs.
  const other = useMemo(
    () => (data?.chart ? otherBucket(widget, data.chart, data.columns, data.rows, data.otherCategories) : null),
    [widget, data],
  );
  const source = other?.option ?? data?.chart;
  // The option as drawn: the widget's, with what its cross-filter left out faded.
  const chart = useMemo(() => (source && selection ? fadeUnselected(source, selection) : source), [source, selection]);
  const onDrawError = useCallback((error: unknown) => setDrawError({ option: chart, error }), [chart]);

  // New filters keep the last answer on screen (dimmed) until the new one arrives.
  const refreshing = query.isFetching && query.isPlaceholderData;
  const error = query.isError ? query.error : drawError && drawError.option === chart ? drawError.error : null;
  const empty = data ? isEmptyAnswer(data) : false;
  const drawsChart = Boolean(chart) && !asTable && !empty;
  const state: WidgetState = error
    ? 'error'
    : !data || refreshing
      ? 'loading'
      : empty
        ? 'empty'
        : drawsChart && rendered !== chart
          ? 'loading'
          : 'ready';

  let body: ReactNode;
  if (error) {
    body = (
      <WidgetError
        error={error}
        action={errorAction}
        onRetry={query.isError && transient(error) ? () => query.refetch() : undefined}
        retrying={query.isFetching}
      />
    );
  } else if (!data) {
    body = <WidgetSkeleton kind={kind} />;
  } else if (empty) {
    body = <WidgetEmpty />;
  } else if (data.metric) {
    body = <MetricWidget metric={data.metric} title={heading} />;
  } else if (chart && !asTable) {
    body = (
      <div className="size-full px-2 pb-2">
        <ChartWidget
          label={heading}
          option={chart}
          columns={data.columns}
          rows={data.rows}
          onPoint={onPoint}
          onDrill={onDrill}
          subjects={subjects}
          onRendered={onRendered}
          onError={onDrawError}
        />
      </div>
    );
  } else {
    body = (
      <TableWidget
        label={heading}
        columns={data.columns}
        rows={data.rows}
        total={data.total}
        rules={rules}
        selection={selection}
        onRow={onPoint}
        onDrill={onDrill}
        subjects={subjects}
        subjectMark={subjectMark}
        {...(paging ? { paging: { ...paging, pageSize: pageSizeOf(widget) } } : {})}
      />
    );
  }

  const ignored = data?.meta.ignored ?? [];
  // Said only under the chart: the table view lists "Other" as a row.
  const notes = [...(other && drawsChart ? [other.note] : []), ...(data?.notes ?? [])];
  return (
    <Card
      data-widget-id={widgetId}
      data-widget-type={widget.type}
      data-kind={kind}
      data-state={state}
      aria-busy={state === 'loading' || undefined}
      aria-label={heading}
      className={cn(
        'flex h-full min-h-0 flex-col overflow-hidden',
        selected && 'border-primary ring-2 ring-primary/25',
        className,
      )}
    >
      <header className="flex shrink-0 items-start gap-2 px-4 pt-3 pb-2">
        <div className="min-w-0 flex-1">
          <h3 className="truncate text-[13px] leading-5 font-semibold tracking-tight" title={heading}>
            {heading}
          </h3>
          {widget.subtitle ? <p className="truncate text-xs text-muted-foreground">{widget.subtitle}</p> : null}
        </div>
        {refreshing ? <Spinner className="mt-1 size-3.5 text-muted-foreground" label="Updating" /> : null}
        {toolbar}
        {data && !error ? (
          <WidgetMenu
            title={heading}
            data={data}
            onDrill={onDrill && !empty ? () => onDrill({}) : undefined}
            asTable={asTable}
            onToggleTable={chart && !empty ? () => setAsTable((v) => !v) : undefined}
            onExport={onExport}
            chart={Boolean(chart)}
          />
        ) : null}
      </header>
      <div className={cn('relative min-h-0 flex-1 transition-opacity', refreshing && 'opacity-60')}>{body}</div>
      {data && !error && (notes.length > 0 || ignored.length > 0) ? (
        <footer className="flex shrink-0 flex-wrap items-center gap-x-3 gap-y-1 border-t border-border px-4 py-1.5 text-xs text-muted-foreground">
          {ignored.length > 0 ? (
            <span
              className="inline-flex items-center gap-1 text-warning-soft-foreground"
              title="This widget has no column for these fields, so their filters do not apply to it."
            >
              <FilterX className="size-3.5" aria-hidden />
              Not filtered by {ignored.map(fieldLabel).join(', ')}
            </span>
          ) : null}
          {notes.map((note) => (
            <span key={note}>{note}</span>
          ))}
        </footer>
      ) : null}
    </Card>
  );
}

function WidgetEmpty() {
  return (
    <div className="flex h-full flex-col items-center justify-center gap-1 px-4 pb-4 text-center">
      <p className="text-[13px] font-medium">No rows match the filters</p>
      <p className="text-xs text-muted-foreground">Clear or widen a filter to see data here.</p>
    </div>
  );
}

/** Whether trying again may help: the network or the server failed, not the widget's definition. */
function transient(error: unknown): boolean {
  return isApiError(error) && (error.status === 0 || error.status === 429 || error.status >= 500);
}

interface WidgetErrorProps {
  error: unknown;
  action?: ReactNode;
  onRetry?: () => void;
  retrying: boolean;
}

function WidgetError({ error, action, onRetry, retrying }: WidgetErrorProps) {
  return (
    <div role="alert" className="flex h-full flex-col items-center justify-center gap-1.5 px-5 pb-4 text-center">
      <AlertTriangle className="size-4 text-destructive" aria-hidden />
      <p className="text-[13px] font-medium">This widget cannot be shown</p>
      <p className="line-clamp-3 max-w-md text-xs text-muted-foreground">{errorMessage(error)}</p>
      {action ? <div className="mt-2">{action}</div> : null}
      {onRetry ? (
        <button
          type="button"
          onClick={onRetry}
          disabled={retrying}
          className="mt-1 inline-flex items-center gap-1 rounded text-xs font-medium text-primary hover:underline disabled:opacity-60"
        >
          <RotateCw className={cn('size-3', retrying && 'animate-spin')} aria-hidden />
          Try again
        </button>
      ) : null}
    </div>
  );
}
