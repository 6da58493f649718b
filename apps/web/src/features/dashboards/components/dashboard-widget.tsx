import { REVIEW_PERMISSION, REVIEW_STATUS_LABELS, type ReviewStatus, type WidgetDefinition } from '@cdp/contracts';

const LISTING_STATUSES = ['not_reviewed', 'changed', 'reviewed'] as const;

/** The listing's review choice from the URL, 'all' when none (or one the listing does not offer). */
function reviewStatusOf(value: unknown): (typeof LISTING_STATUSES)[number] | 'all' {
  return LISTING_STATUSES.find((status) => status === value) ?? 'all';
}

import { useMutation, useQuery } from '@tanstack/react-query';
import { memo, useEffect, useMemo, useState } from 'react';
import { Button } from '../../../components/ui/button.tsx';
import { Select } from '../../../components/ui/select.tsx';
import { toast } from '../../../components/ui/toaster.tsx';
import { errorMessage } from '../../../lib/api-error.ts';
import { useCan, useFeature } from '../../auth/hooks/use-me.ts';
import { RecordMark } from '../../review/components/record-mark.tsx';
import { useSubjectMarks } from '../../review/hooks/use-subject-marks.ts';
import type { SubjectLinkTarget } from '../../subjects/components/subject-link.tsx';
import { useCanOpenProfile } from '../../subjects/use-can-open-profile.ts';
import {
  type DrillPoint,
  dashboardPath,
  filtersParam,
  isListing,
  type TableView,
  type WidgetDataScope,
  widgetDataQuery,
} from '../api/dashboards-api.ts';
import { downloadWidgetExport, type WidgetExportFormat } from '../api/exports-api.ts';
import { type ReaderOptions, readerOptionsParam } from '../lib/reader-options.ts';
import { filtersForWidget, type ViewFilter, widgetSelection } from '../lib/view-filters.ts';
import { ReaderControls } from '../widget/reader-controls.tsx';
import { WidgetCard } from '../widget/widget-card.tsx';
import { EditDashboardLink } from './edit-dashboard-link.tsx';

interface DashboardWidgetProps {
  scope: WidgetDataScope;
  widgetId: string;
  widget: WidgetDefinition;
  filters: ViewFilter[];
  onPoint: (widgetId: string, point: DrillPoint) => void;
  onDrill: (widgetId: string, point: DrillPoint) => void;
  /** The choices its reader made on the widget itself (from the URL), and how to change them. */
  readerOptions?: ReaderOptions;
  onReaderOptions?: (widgetId: string, options: ReaderOptions) => void;
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
  readerOptions,
  onReaderOptions,
  mapFieldsPage,
}: DashboardWidgetProps) {
  const applied = useMemo(() => filtersForWidget(filters, widgetId), [filters, widgetId]);
  // Listings page and sort on the server; new filters start again at the first page.
  const listing = isListing(widget.type);
  const [view, setView] = useState<TableView>({ offset: 0 });
  const filterKey = JSON.stringify([applied, readerOptions ?? {}]);
  // biome-ignore lint/correctness/useExhaustiveDependencies: the filters' identity is what resets the page
  useEffect(() => setView((v) => (v.offset === 0 ? v : { ...v, offset: 0 })), [filterKey]);
  const query = useQuery(widgetDataQuery(scope, widgetId, applied, listing ? view : undefined, readerOptions));
  const selection = useMemo(() => widgetSelection(widget, filters, widgetId), [widget, filters, widgetId]);
  // A subject listing shows a page: its links carry where the whole ordered list is read from, so
  // previous/next on the profile walk past the page (same sort, same dashboard filters).
  const listingTotal = widget.type === 'subject-listing' && !query.isPlaceholderData ? query.data?.total : undefined;
  const subjects = useMemo((): SubjectLinkTarget => {
    if (listingTotal === undefined) return { studyId: scope.studyId };
    const param = filtersParam(applied);
    const options = readerOptionsParam(readerOptions);
    return {
      studyId: scope.studyId,
      whole: {
        source: {
          path: `${dashboardPath(scope.studyId, scope.dashboardId)}/widgets/${widgetId}/subject-ids`,
          query: {
            ...(param ? { filters: param } : {}),
            ...(view.sort ? { sort: view.sort } : {}),
            ...(options ? { options } : {}),
          },
        },
        offset: view.offset,
        total: listingTotal,
      },
    };
  }, [scope.studyId, scope.dashboardId, widgetId, applied, view.offset, view.sort, listingTotal, readerOptions]);
  const mayExport = useCan('dashboard:export:assigned', scope.studyId);
  const exportsOn = useFeature('exports');
  const canExport = mayExport && exportsOn;
  // Subject ids open the patient profile for readers who may read it.
  const mayReadSubjects = useCanOpenProfile(scope.studyId);
  // The subject listing carries each subject's review mark and filters by review status: the
  // server keeps the listing's own query (dashboard filters, sort, paging, total) and ANDs the
  // subjects of that status (`options.review`, kept in the URL's `wo` like any choice on a widget).
  const reviewed = widget.type === 'subject-listing' && mayReadSubjects;
  const reviewFilter = reviewStatusOf(readerOptions?.review);
  const setReviewFilter = (status: ReviewStatus | 'all') =>
    onReaderOptions?.(widgetId, { ...readerOptions, review: status });
  const canMark = useCan(REVIEW_PERMISSION, scope.studyId);
  const pageIds = useMemo(() => {
    const column = query.data?.columns.findIndex((c) => c.field === 'subject_id') ?? -1;
    if (!reviewed || column < 0) return [];
    return (query.data?.rows ?? []).map((row) => row[column]).filter((v): v is string => typeof v === 'string');
  }, [reviewed, query.data]);
  const marks = useSubjectMarks(scope.studyId, pageIds, reviewed);
  const subjectMark = reviewed
    ? (id: string) => {
        const record = marks.markOf(id);
        return record ? (
          <RecordMark studyId={scope.studyId} record={record} label={`Subject ${id}`} canWrite={canMark} />
        ) : null;
      }
    : undefined;
  const readerControls = query.data?.controls ?? [];
  const exported = useMutation({
    mutationFn: (format: WidgetExportFormat) => downloadWidgetExport(scope, widgetId, applied, format, readerOptions),
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
      subjectMark={subjectMark}
      toolbar={
        // The AE explorer's event filters: offered by its answer, kept in the URL.
        readerControls.length > 0 && onReaderOptions ? (
          <ReaderControls
            controls={readerControls}
            value={readerOptions ?? {}}
            onChange={(next) => onReaderOptions(widgetId, next)}
          />
        ) : reviewed && marks.dataset && onReaderOptions ? (
          <Select
            aria-label="Review status of the subjects"
            className="h-7 w-44 text-xs"
            value={reviewFilter}
            onChange={(event) => setReviewFilter(event.target.value as ReviewStatus | 'all')}
          >
            <option value="all">All subjects</option>
            {LISTING_STATUSES.map((status) => (
              <option key={status} value={status}>
                {REVIEW_STATUS_LABELS[status]}
              </option>
            ))}
          </Select>
        ) : undefined
      }
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
