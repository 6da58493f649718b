import type { AppliedFilter, DataVersionStamp, SubjectListing } from '@cdp/contracts';
import { useQuery } from '@tanstack/react-query';
import { UserX } from 'lucide-react';
import { useState } from 'react';
import { EmptyState } from '../../../components/ui/empty-state.tsx';
import { ErrorState } from '../../../components/ui/error-state.tsx';
import { Pagination } from '../../../components/ui/pagination.tsx';
import { Sheet, SheetContent } from '../../../components/ui/sheet.tsx';
import { TableSkeleton } from '../../../components/ui/skeleton.tsx';
import { Table, TableBody, TableCell, TableHead, TableHeader, TableRow } from '../../../components/ui/table.tsx';
import { cn } from '../../../lib/cn.ts';
import { plural } from '../../../lib/format.ts';
import { SubjectLink } from '../../subjects/components/subject-link.tsx';
import type { SubjectList } from '../../subjects/subject-links.ts';
import { useCanOpenProfile } from '../../subjects/use-can-open-profile.ts';
import {
  type DrillPoint,
  dashboardPath,
  filtersParam,
  subjectsQuery,
  type WidgetDataScope,
} from '../api/dashboards-api.ts';
import { type ReaderOptions, readerOptionsParam } from '../lib/reader-options.ts';
import { cellText, isNumericColumn } from '../lib/widget-cells.ts';
import { CopyIdsButton } from './copy-ids-button.tsx';
import { DataVersionLine } from './data-version-line.tsx';
import { SubjectsDownloadMenu } from './subjects-download-menu.tsx';

const PAGE_SIZE = 50;

interface DrillSheetProps {
  scope: WidgetDataScope;
  /** What is drilled into; null when the sheet is closed. */
  drill: {
    widgetId: string;
    widgetTitle: string;
    point: DrillPoint;
    filters: AppliedFilter[];
    /** The choices made on the widget itself (the AE explorer's event filters). */
    options?: ReaderOptions;
    dataVersion: DataVersionStamp | null;
  } | null;
  /** The reader may download the subjects as a file (`dashboard:export`). */
  canExport: boolean;
  onClose: () => void;
}

/** The subjects behind an aggregate (a bar, a slice, a table row), paged, in a panel over the dashboard. */
export function DrillSheet({ scope, drill, canExport, onClose }: DrillSheetProps) {
  return (
    <Sheet open={drill !== null} onOpenChange={(open) => !open && onClose()}>
      {drill ? <DrillContent key={JSON.stringify(drill)} scope={scope} drill={drill} canExport={canExport} /> : null}
    </Sheet>
  );
}

function DrillContent({
  scope,
  drill,
  canExport,
}: {
  scope: WidgetDataScope;
  drill: NonNullable<DrillSheetProps['drill']>;
  canExport: boolean;
}) {
  const [page, setPage] = useState(1);
  const query = useQuery(
    subjectsQuery(scope, drill.widgetId, drill.filters, drill.point, (page - 1) * PAGE_SIZE, PAGE_SIZE, drill.options),
  );
  const listing = query.data;
  return (
    <SheetContent
      title={listing?.description || drill.widgetTitle}
      description={
        listing
          ? `${plural(listing.total, 'subject')} · from “${drill.widgetTitle}”`
          : `Subjects from “${drill.widgetTitle}”`
      }
      actions={
        listing && listing.total > 0 ? (
          <>
            <CopyIdsButton listing={listing} />
            {canExport ? (
              <SubjectsDownloadMenu
                scope={scope}
                widgetId={drill.widgetId}
                filters={drill.filters}
                options={drill.options}
                point={drill.point}
                total={listing.total}
              />
            ) : null}
          </>
        ) : null
      }
      data-drill-widget={drill.widgetId}
    >
      {drill.dataVersion ? (
        <DataVersionLine stamp={drill.dataVersion} className="border-b border-border px-6 py-2" />
      ) : null}
      <div className={cn('min-h-0 flex-1 overflow-auto', query.isPlaceholderData && 'opacity-60 transition-opacity')}>
        {query.isPending ? (
          <TableSkeleton rows={10} columns={4} />
        ) : query.isError ? (
          <ErrorState
            error={query.error}
            what="the subjects"
            onRetry={() => query.refetch()}
            retrying={query.isFetching}
          />
        ) : query.data.total === 0 ? (
          <EmptyState
            icon={UserX}
            title="No subjects"
            description="No subject matches this point with the current filters."
          />
        ) : (
          <SubjectTable
            studyId={scope.studyId}
            listing={query.data}
            label={query.data.description || drill.widgetTitle}
            // The whole drill-down, for previous/next on the profile past this page's edges.
            source={{
              path: `${dashboardPath(scope.studyId, scope.dashboardId)}/widgets/${drill.widgetId}/subjects`,
              query: {
                filters: filtersParam(drill.filters),
                point: JSON.stringify(drill.point),
                ...(readerOptionsParam(drill.options) ? { options: readerOptionsParam(drill.options) } : {}),
              },
            }}
            offset={(page - 1) * PAGE_SIZE}
          />
        )}
      </div>
      {listing && listing.total > PAGE_SIZE ? (
        <Pagination page={page} pageSize={PAGE_SIZE} total={listing.total} onPageChange={setPage} noun="subjects" />
      ) : null}
    </SheetContent>
  );
}

function SubjectTable({
  studyId,
  listing,
  label,
  source,
  offset,
}: {
  studyId: string;
  listing: SubjectListing;
  label: string;
  source: NonNullable<SubjectList['source']>;
  offset: number;
}) {
  const idIndex = listing.columns.findIndex((c) => c.field === 'subject_id');
  const linked = useCanOpenProfile(studyId);
  // The page on screen, with where it sits in the whole list; the profile reads the rest from `source`.
  const list = (): SubjectList => ({
    label,
    subjects: listing.rows.map((row) => String(row[idIndex])),
    source,
    offset,
    total: listing.total,
  });
  return (
    <Table aria-label="Subjects">
      <TableHeader className="sticky top-0 z-10">
        <TableRow>
          {listing.columns.map((column) => (
            <TableHead key={column.name} className={cn(isNumericColumn(column) && 'text-right')}>
              {column.label}
            </TableHead>
          ))}
        </TableRow>
      </TableHeader>
      <TableBody>
        {listing.rows.map((row, r) => (
          // biome-ignore lint/suspicious/noArrayIndexKey: a page of a listing is fixed; subject ids may repeat across visits
          <TableRow key={r}>
            {listing.columns.map((column, c) => (
              <TableCell
                key={column.name}
                className={cn(
                  'py-2 whitespace-nowrap',
                  isNumericColumn(column) && 'text-right tabular-nums',
                  c === idIndex && 'font-mono text-xs font-medium',
                )}
              >
                {row[c] === null || row[c] === undefined ? (
                  <span className="text-subtle-foreground">—</span>
                ) : linked && c === idIndex ? (
                  <SubjectLink studyId={studyId} subjectId={String(row[c])} list={list} />
                ) : (
                  cellText(row[c], column)
                )}
              </TableCell>
            ))}
          </TableRow>
        ))}
      </TableBody>
    </Table>
  );
}
