import type { SubjectDataset } from '@cdp/contracts';
import { useQuery } from '@tanstack/react-query';
import { useState } from 'react';
import { ErrorState } from '../../../components/ui/error-state.tsx';
import { Pagination } from '../../../components/ui/pagination.tsx';
import { TableSkeleton } from '../../../components/ui/skeleton.tsx';
import { Table, TableBody, TableCell, TableHead, TableHeader, TableRow } from '../../../components/ui/table.tsx';
import { Tabs, TabsContent, TabsList, TabsTrigger } from '../../../components/ui/tabs.tsx';
import { cn } from '../../../lib/cn.ts';
import { cellText, isNumeric } from '../../data/lib/cells.ts';
import { subjectRowsQuery } from '../api/subject-profile-api.ts';
import { reviewRecordOfRow } from '../lib/review-match.ts';
import { Missing } from './profile-cells.tsx';
import { type ProfileReview, ReviewStatusCell } from './subject-review.tsx';

const PAGE_SIZE = 100;

/** Every dataset holding the subject's rows, one tab each, read through the dataset rows API. */
export function SubjectDatasetsTabs({
  studyId,
  versionId,
  subjectId,
  datasets,
  review,
}: {
  studyId: string;
  versionId: string;
  subjectId: string;
  datasets: SubjectDataset[];
  review?: ProfileReview | null;
}) {
  const [open, setOpen] = useState(datasets[0]?.name ?? '');
  if (datasets.length === 0) return null;
  return (
    <Tabs value={open} onValueChange={setOpen}>
      <TabsList aria-label="Datasets" className="overflow-x-auto px-3">
        {datasets.map((d) => (
          <TabsTrigger key={d.name} value={d.name} title={d.label ?? d.name} className="shrink-0">
            {d.name}
            <span className="rounded-full bg-surface-muted px-1.5 text-xs text-muted-foreground tabular-nums">
              {d.rows.toLocaleString()}
            </span>
          </TabsTrigger>
        ))}
      </TabsList>
      {datasets.map((d) => (
        <TabsContent key={d.name} value={d.name} className="pt-0">
          {open === d.name ? (
            <DatasetRows studyId={studyId} versionId={versionId} subjectId={subjectId} dataset={d} review={review} />
          ) : null}
        </TabsContent>
      ))}
    </Tabs>
  );
}

function DatasetRows({
  studyId,
  versionId,
  subjectId,
  dataset,
  review,
}: {
  studyId: string;
  versionId: string;
  subjectId: string;
  dataset: SubjectDataset;
  review?: ProfileReview | null;
}) {
  const [page, setPage] = useState(1);
  const query = useQuery(subjectRowsQuery(studyId, versionId, subjectId, dataset, page, PAGE_SIZE));
  if (query.isPending) return <TableSkeleton rows={6} columns={6} />;
  if (query.isError) {
    return (
      <ErrorState
        error={query.error}
        what={`the ${dataset.name} rows`}
        onRetry={() => query.refetch()}
        retrying={query.isFetching}
      />
    );
  }
  const { columns, rows, total } = query.data;
  // The subject-level record (DM, ADSL) is the review's subject mark; other datasets' are its records.
  const reviewRecords = review ? [...(review.subject ? [review.subject] : []), ...review.records] : [];
  const names = columns.map((c) => c.name);
  const reviewable =
    review !== null &&
    review !== undefined &&
    reviewRecords.some((r) => r.dataset.toUpperCase() === dataset.name.toUpperCase());
  return (
    <div className={cn(query.isPlaceholderData && 'opacity-60')}>
      {dataset.label ? <p className="px-5 pt-3 text-xs text-muted-foreground">{dataset.label}</p> : null}
      <Table aria-label={`${dataset.name} rows of ${subjectId}`}>
        <TableHeader>
          <TableRow>
            {reviewable ? <TableHead>Review</TableHead> : null}
            {columns.map((c) => (
              <TableHead key={c.name} title={c.label ?? undefined} className={cn(isNumeric(c.type) && 'text-right')}>
                {c.name}
                {c.masked ? <span className="ml-1 text-[10px] text-warning-soft-foreground">PHI</span> : null}
              </TableHead>
            ))}
          </TableRow>
        </TableHeader>
        <TableBody>
          {rows.map((row, r) => (
            // biome-ignore lint/suspicious/noArrayIndexKey: a page of rows is fixed
            <TableRow key={r}>
              {reviewable && review ? (
                <TableCell className="py-1.5">
                  <ReviewStatusCell
                    review={review}
                    record={reviewRecordOfRow(reviewRecords, dataset.name, names, row)}
                    label={`${dataset.name} row ${(page - 1) * PAGE_SIZE + r + 1}`}
                  />
                </TableCell>
              ) : null}
              {columns.map((c, i) => (
                <TableCell
                  key={c.name}
                  className={cn('py-1.5 whitespace-nowrap', isNumeric(c.type) && 'text-right tabular-nums')}
                >
                  {row[i] === null || row[i] === undefined || row[i] === '' ? <Missing /> : cellText(row[i])}
                </TableCell>
              ))}
            </TableRow>
          ))}
        </TableBody>
      </Table>
      {total > PAGE_SIZE ? (
        <Pagination page={page} pageSize={PAGE_SIZE} total={total} onPageChange={setPage} noun="rows" />
      ) : null}
    </div>
  );
}
