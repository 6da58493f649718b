import {
  type DatasetSummary,
  REVIEW_PERMISSION,
  REVIEW_STATUS_LABELS,
  REVIEW_STATUSES,
  type ReviewStatus,
  type RowFilter,
} from '@cdp/contracts';
import { useQuery } from '@tanstack/react-query';
import { Link, useNavigate } from '@tanstack/react-router';
import { ChartColumn, FileQuestion, SearchX, Table2 } from 'lucide-react';
import { useCallback, useMemo, useState } from 'react';
import { Badge } from '../../../components/ui/badge.tsx';
import { Button } from '../../../components/ui/button.tsx';
import { Card } from '../../../components/ui/card.tsx';
import { EmptyState } from '../../../components/ui/empty-state.tsx';
import { ErrorState } from '../../../components/ui/error-state.tsx';
import { PageHeader } from '../../../components/ui/page-header.tsx';
import { Select } from '../../../components/ui/select.tsx';
import { Skeleton, TableSkeleton } from '../../../components/ui/skeleton.tsx';
import { plural } from '../../../lib/format.ts';
import { pipelineOutputQuery } from '../../pipelines/api/pipelines-api.ts';
import { PipelinesBreadcrumb } from '../../pipelines/components/pipeline-bits.tsx';
import { RecordMark } from '../../review/components/record-mark.tsx';
import { RecordsCard } from '../../review/components/review-page.tsx';
import { useSubjectsReview } from '../../review/hooks/use-subjects-review.ts';
import { rowKeyText } from '../../review/lib/record-key.ts';
import type { StudyWithPermissions } from '../../studies/api/studies-api.ts';
import { datasetsQuery, type RowReviewStatus, versionsQuery } from '../api/data-api.ts';
import { useRowPages } from '../hooks/use-row-pages.ts';
import type { SortDirection } from './column-header.tsx';
import { ColumnProfilePanel } from './column-profile-panel.tsx';
import { DataBreadcrumb } from './data-breadcrumb.tsx';
import { DatasetGrid } from './dataset-grid.tsx';
import { DownloadMenu } from './download-menu.tsx';
import { FilterBar, type FilterEditor } from './filter-bar.tsx';
import { ActiveBadge } from './version-bits.tsx';

export interface DatasetSearch {
  /** `COL` ascending or `-COL` descending. */
  sort?: string;
  filter?: RowFilter[];
  /** The column whose profile is open. */
  column?: string;
  /** The column that profile is split by. */
  by?: string;
  /** Only the records of this review status (the active version's reviewable datasets). */
  review?: ReviewStatus;
}

/** Review marks in the viewer: on the active version, for a dataset keyed by USUBJID. */
interface ReviewView {
  canWrite: boolean;
}

interface DatasetViewerProps {
  result: StudyWithPermissions;
  versionId: string;
  name: string;
  search: DatasetSearch;
}

const GRID_HEIGHT = 'h-[max(420px,calc(100dvh-17rem))]';

function Rows({
  studyId,
  versionId,
  summary,
  search,
  review,
}: {
  studyId: string;
  versionId: string;
  summary: DatasetSummary;
  search: DatasetSearch;
  review: ReviewView | null;
}) {
  const navigate = useNavigate();
  const filters = useMemo(() => search.filter ?? [], [search.filter]);
  // The grid filters by review status together with its column filters and sort (server-side); a
  // removed record is no row of the version, so "Record removed" lists the marks instead.
  const gridReview: RowReviewStatus | undefined =
    review && search.review && search.review !== 'removed' ? search.review : undefined;
  const removedOnly = review !== null && search.review === 'removed';
  const view = useMemo(
    () => ({ sort: search.sort, filters, ...(gridReview ? { review: gridReview } : {}) }),
    [search.sort, filters, gridReview],
  );
  const [range, setRange] = useState<[number, number] | null>(null);
  const onRangeChange = useCallback((next: [number, number]) => setRange(next), []);
  const [editor, setEditor] = useState<FilterEditor>(null);
  const pages = useRowPages({ studyId, versionId, name: summary.name, view, range });
  const columns = pages.columns ?? summary.columns;

  const setSearch = (patch: Partial<DatasetSearch>) =>
    navigate({
      to: '/studies/$studyId/data/versions/$versionId/$dataset',
      params: { studyId, versionId, dataset: summary.name },
      search: (prev: DatasetSearch) => {
        const next = { ...prev, ...patch };
        return Object.fromEntries(
          Object.entries(next).filter(([, v]) => v !== undefined && !(Array.isArray(v) && v.length === 0)),
        );
      },
      replace: true,
    });
  const setFilters = (next: RowFilter[]) => setSearch({ filter: next });
  const sortOf = (column: string): SortDirection =>
    search.sort === column ? 'asc' : search.sort === `-${column}` ? 'desc' : null;
  const filtered = new Set(filters.map((f) => f.column));
  const total = pages.total;

  // Review marks for the rows on screen: the statuses of their subjects' records, matched by key.
  const subjectColumn = columns.findIndex((c) => c.name.toUpperCase() === 'USUBJID' && !c.masked);
  const onScreen: string[] = [];
  if (review && range && subjectColumn >= 0) {
    for (let index = range[0]; index <= range[1]; index += 1) {
      const value = pages.rowAt(index)?.[subjectColumn];
      if (typeof value === 'string' && value.trim()) onScreen.push(value.trimEnd());
    }
  }
  const statuses = useSubjectsReview(studyId, summary.name, onScreen, review !== null && subjectColumn >= 0);
  const rowMark =
    review && statuses.key
      ? (row: unknown[]) => {
          const keyText = rowKeyText(statuses.key ?? [], columns, row);
          const record = keyText ? statuses.statusOf(keyText) : undefined;
          return record ? (
            <RecordMark
              studyId={studyId}
              record={record}
              label={`${summary.name} ${record.recordKey}`}
              canWrite={review.canWrite}
            />
          ) : null;
        }
      : undefined;

  return (
    <Card className="overflow-hidden">
      <div className="flex flex-wrap items-center gap-3 border-b border-border px-5 py-3">
        <FilterBar
          columns={columns}
          filters={filters}
          onChange={setFilters}
          editor={editor}
          onEditorChange={setEditor}
        />
        <div className="ml-auto flex flex-wrap items-center gap-3">
          {review ? (
            <Select
              aria-label="Review status"
              className="w-52"
              value={search.review ?? 'all'}
              onChange={(event) =>
                setSearch({ review: event.target.value === 'all' ? undefined : (event.target.value as ReviewStatus) })
              }
            >
              <option value="all">Any review status</option>
              {REVIEW_STATUSES.map((status) => (
                <option key={status} value={status}>
                  {REVIEW_STATUS_LABELS[status]}
                </option>
              ))}
            </Select>
          ) : null}
          <p className="text-[13px] text-muted-foreground" aria-live="polite">
            {pages.first.isError || removedOnly ? null : total === undefined ? (
              'Counting rows…'
            ) : filters.length > 0 || gridReview ? (
              <>
                <span className="font-medium text-foreground tabular-nums">{total.toLocaleString()}</span> of{' '}
                {plural(summary.rows, 'row')}
              </>
            ) : (
              <span className="tabular-nums">{plural(total, 'row')}</span>
            )}
          </p>
          {search.column ? null : (
            <Button
              variant="secondary"
              size="sm"
              onClick={() => setSearch({ column: columns[0]?.name })}
              disabled={columns.length === 0}
            >
              <ChartColumn />
              Column profile
            </Button>
          )}
        </div>
      </div>
      {review && removedOnly ? (
        <div className="border-t-0">
          <p className="px-5 pt-3 text-[13px] text-muted-foreground">
            Marked records the active version no longer holds: they are no rows of it, so column filters and sorting do
            not apply to them.
          </p>
          <RecordsCard
            studyId={studyId}
            dataset={summary.name}
            canWrite={review.canWrite}
            status="removed"
            onStatus={(status) => setSearch({ review: status === 'all' ? undefined : status })}
            title={`${REVIEW_STATUS_LABELS.removed}: ${summary.name}`}
            statusSelect={false}
          />
        </div>
      ) : (
        <div className={`flex ${GRID_HEIGHT}`}>
          <div className="min-w-0 flex-1">
            {pages.first.isPending ? (
              <TableSkeleton rows={10} columns={6} />
            ) : pages.first.isError ? (
              <ErrorState
                error={pages.first.error}
                what="the rows"
                onRetry={() => pages.first.refetch()}
                retrying={pages.first.isFetching}
              />
            ) : total === 0 ? (
              filters.length > 0 || gridReview ? (
                <EmptyState
                  icon={SearchX}
                  title={
                    gridReview
                      ? `No rows ${filters.length > 0 ? 'match these filters and are' : 'are'} “${REVIEW_STATUS_LABELS[gridReview].toLowerCase()}”`
                      : 'No rows match these filters'
                  }
                  description="Remove a filter or change its value."
                  action={
                    <span className="flex flex-wrap justify-center gap-2">
                      {filters.length > 0 ? (
                        <Button variant="secondary" onClick={() => setFilters([])}>
                          Clear column filters
                        </Button>
                      ) : null}
                      {gridReview ? (
                        <Button variant="secondary" onClick={() => setSearch({ review: undefined })}>
                          Any review status
                        </Button>
                      ) : null}
                    </span>
                  }
                />
              ) : (
                <EmptyState
                  icon={Table2}
                  title="This dataset has no rows"
                  description="Its columns are listed in the profile."
                />
              )
            ) : (
              <DatasetGrid
                label={`Rows of ${summary.name}`}
                columns={columns}
                total={total ?? 0}
                rowAt={pages.rowAt}
                onRangeChange={onRangeChange}
                viewKey={JSON.stringify(view)}
                sortOf={sortOf}
                filtered={filtered}
                selectedColumn={search.column}
                onSort={(column, direction) =>
                  setSearch({ sort: direction === null ? undefined : direction === 'asc' ? column : `-${column}` })
                }
                onFilter={(column) => setEditor({ index: null, column })}
                onProfile={(column) => setSearch({ column })}
                pageError={pages.pageError}
                onRetry={() => void pages.retryPages()}
                dimmed={pages.first.isPlaceholderData}
                studyId={studyId}
                rowMark={rowMark}
              />
            )}
          </div>
          {search.column ? (
            <ColumnProfilePanel
              studyId={studyId}
              versionId={versionId}
              dataset={summary.name}
              columns={columns}
              column={search.column}
              filters={filters}
              by={search.by}
              onColumnChange={(column) => setSearch({ column, ...(column === search.by ? { by: undefined } : {}) })}
              onByChange={(by) => setSearch({ by })}
              onFilter={(filter) => setFilters([...filters.filter((f) => f.column !== filter.column), filter])}
              onClose={() => setSearch({ column: undefined, by: undefined })}
              reviewFiltered={gridReview !== undefined}
            />
          ) : null}
        </div>
      )}
    </Card>
  );
}

/** One dataset of one version: its rows in a sortable, filterable grid, column profiles and downloads. */
export function DatasetViewer({ result, versionId, name, search }: DatasetViewerProps) {
  const { data: study, permissions } = result;
  const navigate = useNavigate();
  const datasets = useQuery(datasetsQuery(study.id, versionId));
  const versions = useQuery(versionsQuery(study.id));
  const version = versions.data?.data.find((v) => v.id === versionId);
  // Not a source version: a pipeline's output version, read the same way.
  const output = useQuery({
    ...pipelineOutputQuery(study.id, versionId),
    enabled: versions.data !== undefined && !version && permissions.includes('pipeline:view:assigned'),
    retry: false,
  }).data?.data;
  const summary = datasets.data?.data.find((d) => d.name === name);
  const canExport = permissions.includes('data:export:assigned');
  // Review status is kept against the active version only, for records keyed by USUBJID (+ --SEQ).
  const review: ReviewView | null =
    version?.active && summary?.columns.some((c) => c.name.toUpperCase() === 'USUBJID')
      ? { canWrite: permissions.includes(REVIEW_PERMISSION) && study.status !== 'archived' }
      : null;
  const outputTrail = (last: string) =>
    output ? (
      <PipelinesBreadcrumb
        study={study}
        trail={[
          <Link
            key="pipeline"
            to="/studies/$studyId/pipelines/$pipelineId"
            params={{ studyId: study.id, pipelineId: output.pipelineId }}
            className="hover:text-foreground hover:underline"
          >
            {output.pipelineName}
          </Link>,
          <Link
            key="run"
            to="/studies/$studyId/pipelines/$pipelineId/runs/$runId"
            params={{ studyId: study.id, pipelineId: output.pipelineId, runId: output.runId }}
            className="font-mono hover:text-foreground hover:underline"
          >
            {output.label}
          </Link>,
          last,
        ]}
      />
    ) : null;
  const versionLink = (
    <Link
      key="version"
      to="/studies/$studyId/data"
      params={{ studyId: study.id }}
      search={{ version: versionId }}
      className="font-mono hover:text-foreground hover:underline"
    >
      {version?.label ?? 'Version'}
    </Link>
  );

  if (datasets.isPending) {
    return (
      <div role="status" aria-label="Loading the dataset">
        <Skeleton className="mb-3 h-4 w-80" />
        <Skeleton className="mb-2 h-7 w-64" />
        <Skeleton className="mb-8 h-4 w-96" />
        <Skeleton className={`rounded-lg ${GRID_HEIGHT}`} />
      </div>
    );
  }
  if (datasets.isError || !summary) {
    return (
      <>
        <PageHeader eyebrow={<DataBreadcrumb study={study} trail={[versionLink, name]} />} title={name} />
        <Card>
          {datasets.isError ? (
            <ErrorState error={datasets.error} what="the dataset" onRetry={() => datasets.refetch()} />
          ) : (
            <EmptyState
              icon={FileQuestion}
              title="Dataset not found"
              description={`This version has no dataset called ${name}.`}
              action={
                <Button asChild variant="secondary">
                  <Link to="/studies/$studyId/data" params={{ studyId: study.id }} search={{ version: versionId }}>
                    Back to the datasets
                  </Link>
                </Button>
              }
            />
          )}
        </Card>
      </>
    );
  }

  return (
    <>
      <PageHeader
        eyebrow={outputTrail(summary.name) ?? <DataBreadcrumb study={study} trail={[versionLink, summary.name]} />}
        title={
          <span className="flex flex-wrap items-baseline gap-x-3 gap-y-1">
            <span className="font-mono">{summary.name}</span>
            {summary.label ? (
              <span className="text-base font-normal text-muted-foreground">{summary.label}</span>
            ) : null}
          </span>
        }
        description={
          <span className="flex flex-wrap items-center gap-x-2 gap-y-1">
            {version?.active ? (
              <ActiveBadge />
            ) : version ? (
              <Badge tone="muted">Not the active version</Badge>
            ) : output ? (
              <Badge tone="accent">
                Output of {output.pipelineName} (version {output.pipelineVersion})
              </Badge>
            ) : null}
            <span>
              {plural(summary.rows, 'row')} · {plural(summary.columns.length, 'column')} · from{' '}
              <span className="font-mono text-xs">{summary.source}</span>
            </span>
          </span>
        }
        actions={
          <>
            <Select
              aria-label="Dataset"
              className="w-40"
              value={summary.name}
              onChange={(event) =>
                navigate({
                  to: '/studies/$studyId/data/versions/$versionId/$dataset',
                  params: { studyId: study.id, versionId, dataset: event.target.value },
                })
              }
            >
              {datasets.data.data.map((d) => (
                <option key={d.name} value={d.name}>
                  {d.name}
                </option>
              ))}
            </Select>
            {canExport ? (
              <DownloadMenu
                studyId={study.id}
                versionId={versionId}
                name={summary.name}
                view={{ filters: search.filter ?? [], ...(search.sort ? { sort: search.sort } : {}) }}
                reviewFiltered={search.review !== undefined && search.review !== 'removed'}
              />
            ) : null}
          </>
        }
      />
      <Rows
        key={summary.name}
        studyId={study.id}
        versionId={versionId}
        summary={summary}
        search={search}
        review={review}
      />
    </>
  );
}
