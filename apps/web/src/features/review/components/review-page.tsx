import { REVIEW_PERMISSION, REVIEW_STATUS_LABELS, type ReviewRecordStatusDto, type ReviewStatus } from '@cdp/contracts';
import { useQuery } from '@tanstack/react-query';
import { getRouteApi } from '@tanstack/react-router';
import { ClipboardCheck, MessagesSquare } from 'lucide-react';
import { useState } from 'react';
import { Button } from '../../../components/ui/button.tsx';
import { Card, CardHeader } from '../../../components/ui/card.tsx';
import { EmptyState } from '../../../components/ui/empty-state.tsx';
import { ErrorState } from '../../../components/ui/error-state.tsx';
import { PageHeader } from '../../../components/ui/page-header.tsx';
import { Select } from '../../../components/ui/select.tsx';
import { Sheet, SheetContent } from '../../../components/ui/sheet.tsx';
import { TableSkeleton } from '../../../components/ui/skeleton.tsx';
import { Table, TableBody, TableCell, TableHead, TableHeader, TableRow } from '../../../components/ui/table.tsx';
import type { StudyWithPermissions } from '../../studies/api/studies-api.ts';
import { StudyBreadcrumb } from '../../studies/components/study-breadcrumb.tsx';
import { StudyGate } from '../../studies/components/study-gate.tsx';
import { StudyStatusBadge } from '../../studies/components/study-status-badge.tsx';
import { StudyTabs } from '../../studies/components/study-tabs.tsx';
import { SubjectLink } from '../../subjects/components/subject-link.tsx';
import { type ReviewCounts, reviewCountsQuery, reviewRecordsQuery, reviewThreadsQuery } from '../api/review-api.ts';
import { MarkControl } from './mark-control.tsx';
import { ReviewBadge, ReviewChanges } from './review-badge.tsx';
import { ThreadPanel, ThreadStatusBadge } from './thread-panel.tsx';

const route = getRouteApi('/app/studies/$studyId/review');
const PAGE = 25;

export function StudyReviewPage() {
  const { studyId } = route.useParams();
  return (
    <StudyGate studyId={studyId} title="Review" permission="study:view:assigned">
      {(result) => <ReviewOverview result={result} />}
    </StudyGate>
  );
}

const number = (n: number) => n.toLocaleString();

function ReviewOverview({ result }: { result: StudyWithPermissions }) {
  const { data: study, permissions } = result;
  const canRead = permissions.includes('data:view:assigned') || permissions.includes(REVIEW_PERMISSION);
  const canWrite = permissions.includes(REVIEW_PERMISSION) && study.status !== 'archived';
  const counts = useQuery({ ...reviewCountsQuery(study.id), enabled: canRead });
  const [dataset, setDataset] = useState<string | null>(null);
  const reviewable = (counts.data?.data.datasets ?? []).filter((d) => d.key);
  const selected = dataset ?? reviewable.find((d) => d.dataset === 'AE')?.dataset ?? reviewable[0]?.dataset ?? null;

  return (
    <>
      <PageHeader
        eyebrow={<StudyBreadcrumb study={study} section="review" />}
        title={
          <span className="flex flex-wrap items-center gap-3">
            <span className="font-mono">{study.code}</span>
            <StudyStatusBadge status={study.status} />
          </span>
        }
        description="Clinical review: what has been reviewed on the active data version, what changed since, and open queries."
      />
      <StudyTabs studyId={study.id} permissions={permissions} />
      {!canRead ? (
        <EmptyState
          icon={ClipboardCheck}
          title="You cannot see review status in this study"
          description="It needs the permission data:view:assigned or review:perform:assigned."
        />
      ) : counts.isPending ? (
        <Card>
          <TableSkeleton columns={6} />
        </Card>
      ) : counts.isError ? (
        <ErrorState
          error={counts.error}
          what="review status"
          onRetry={() => counts.refetch()}
          retrying={counts.isFetching}
        />
      ) : counts.data.data.dataVersionId === null ? (
        <EmptyState
          icon={ClipboardCheck}
          title="No active data version"
          description="Review status is kept against the active data version: load and activate data first."
        />
      ) : (
        <div className="grid gap-6 xl:grid-cols-[minmax(0,1fr)_22rem]">
          <div className="min-w-0 space-y-6">
            <CountsCard counts={counts.data.data} selected={selected} onSelect={setDataset} />
            {selected ? <RecordsCard studyId={study.id} dataset={selected} canWrite={canWrite} /> : null}
          </div>
          <MyQueriesCard studyId={study.id} counts={counts.data.data} canWrite={canWrite} />
        </div>
      )}
    </>
  );
}

function CountsCard({
  counts,
  selected,
  onSelect,
}: {
  counts: ReviewCounts;
  selected: string | null;
  onSelect: (dataset: string) => void;
}) {
  return (
    <Card>
      <CardHeader
        title="Review status per dataset"
        description="Against the active data version. A record changed since its review counts as changed, not reviewed."
      />
      <div className="overflow-x-auto">
        <Table>
          <TableHeader>
            <TableRow>
              <TableHead>Dataset</TableHead>
              <TableHead className="text-right">Records</TableHead>
              <TableHead className="text-right">Reviewed</TableHead>
              <TableHead className="text-right">Changed since review</TableHead>
              <TableHead className="text-right">Not reviewed</TableHead>
              <TableHead className="text-right">Removed</TableHead>
            </TableRow>
          </TableHeader>
          <TableBody>
            {counts.datasets.map((d) => (
              <TableRow key={d.dataset} data-selected={d.dataset === selected || undefined}>
                <TableCell>
                  {d.key ? (
                    <button
                      type="button"
                      className="font-mono font-medium text-primary hover:underline"
                      onClick={() => onSelect(d.dataset)}
                      aria-pressed={d.dataset === selected}
                    >
                      {d.dataset}
                    </button>
                  ) : (
                    <span className="font-mono text-muted-foreground">{d.dataset}</span>
                  )}
                  {d.keyProblem ? <span className="block text-xs text-muted-foreground">{d.keyProblem}</span> : null}
                </TableCell>
                <TableCell className="text-right tabular-nums">{number(d.rows)}</TableCell>
                <TableCell className="text-right tabular-nums">{number(d.reviewed)}</TableCell>
                <TableCell className="text-right tabular-nums">
                  {d.changed > 0 ? (
                    <span className="font-semibold text-warning-soft-foreground">{number(d.changed)}</span>
                  ) : (
                    0
                  )}
                </TableCell>
                <TableCell className="text-right tabular-nums">{d.key ? number(d.notReviewed) : '—'}</TableCell>
                <TableCell className="text-right tabular-nums">{number(d.removed)}</TableCell>
              </TableRow>
            ))}
          </TableBody>
        </Table>
      </div>
    </Card>
  );
}

const FILTERS: (ReviewStatus | 'all')[] = ['changed', 'not_reviewed', 'reviewed', 'removed', 'all'];

/** What an empty filter means, in a sentence ("No changed since review records" read badly). */
const NO_RECORDS: Record<ReviewStatus, (dataset: string) => string> = {
  changed: (dataset) => `No reviewed record in ${dataset} has changed since its review.`,
  not_reviewed: (dataset) => `Every record in ${dataset} is reviewed.`,
  reviewed: (dataset) => `No record in ${dataset} is reviewed yet.`,
  removed: (dataset) => `No reviewed record of ${dataset} has been removed from the data.`,
};

/**
 * A dataset's records by review status, paged in file order, with Mark / Unmark and notes. The
 * Review page keeps the status itself; the dataset viewer and the subject listing pass theirs.
 */
export function RecordsCard({
  studyId,
  dataset,
  canWrite,
  status: given,
  onStatus,
  title,
  statusSelect = true,
}: {
  studyId: string;
  dataset: string;
  canWrite: boolean;
  status?: ReviewStatus | 'all';
  onStatus?: (status: ReviewStatus | 'all') => void;
  title?: string;
  /** False where the page around it already has the status select. */
  statusSelect?: boolean;
}) {
  const [own, setOwn] = useState<ReviewStatus | 'all'>('changed');
  const status = given ?? own;
  const setStatus = onStatus ?? setOwn;
  const [offset, setOffset] = useState(0);
  const [thread, setThread] = useState<ReviewRecordStatusDto | null>(null);
  const query = useQuery(reviewRecordsQuery(studyId, dataset, status, { offset, limit: PAGE }));
  const rows = query.data?.data ?? [];
  const total = query.data?.page.total ?? 0;
  return (
    <Card>
      <CardHeader
        title={title ?? `${dataset} records`}
        description={`Keyed by ${query.data?.meta.key.join(' + ') ?? '…'}.`}
        actions={
          statusSelect ? (
            <Select
              aria-label="Show records"
              value={status}
              onChange={(e) => {
                setStatus(e.target.value as ReviewStatus | 'all');
                setOffset(0);
              }}
            >
              {FILTERS.map((f) => (
                <option key={f} value={f}>
                  {f === 'all' ? 'All records' : REVIEW_STATUS_LABELS[f]}
                </option>
              ))}
            </Select>
          ) : undefined
        }
      />
      {query.isPending ? (
        <TableSkeleton columns={4} />
      ) : query.isError ? (
        <ErrorState error={query.error} what="records" onRetry={() => query.refetch()} retrying={query.isFetching} />
      ) : rows.length === 0 ? (
        <p className="px-6 py-8 text-center text-sm text-muted-foreground">
          {status === 'all' ? `No records in ${dataset}.` : NO_RECORDS[status as ReviewStatus](dataset)}
        </p>
      ) : (
        <>
          <div className="overflow-x-auto">
            <Table>
              <TableHeader>
                <TableRow>
                  <TableHead>Record</TableHead>
                  <TableHead>Status</TableHead>
                  <TableHead>Reviewed</TableHead>
                  <TableHead className="text-right">Actions</TableHead>
                </TableRow>
              </TableHeader>
              <TableBody>
                {rows.map((row) => (
                  <TableRow key={row.recordKey}>
                    <TableCell className="min-w-40">
                      <SubjectLink
                        studyId={studyId}
                        subjectId={row.usubjid}
                        className="font-mono text-[13px] font-medium"
                      />
                      <span className="block font-mono text-xs text-muted-foreground">
                        {Object.entries(row.key)
                          .filter(([k]) => k.toUpperCase() !== 'USUBJID')
                          .map(([k, v]) => `${k} ${v}`)
                          .join(' · ')}
                      </span>
                    </TableCell>
                    <TableCell className="min-w-44">
                      <ReviewBadge status={row.status} changes={row.changes} />
                      <ReviewChanges changes={row.changes} />
                    </TableCell>
                    <TableCell className="min-w-40 text-xs text-muted-foreground">
                      {row.mark?.action === 'reviewed' ? (
                        <>
                          {row.mark.userName ?? 'API key'}, {new Date(row.mark.createdAt).toLocaleString()}
                          {row.mark.comment ? <span className="block italic">“{row.mark.comment}”</span> : null}
                        </>
                      ) : (
                        '—'
                      )}
                    </TableCell>
                    <TableCell>
                      <div className="flex justify-end gap-1">
                        {canWrite ? (
                          <MarkControl studyId={studyId} record={row} label={`${dataset} ${row.recordKey}`} />
                        ) : null}
                        <Button
                          variant="ghost"
                          size="icon-sm"
                          onClick={() => setThread(row)}
                          aria-label={`Notes and queries: ${dataset} ${row.recordKey}`}
                          title="Notes and queries"
                        >
                          <MessagesSquare />
                        </Button>
                      </div>
                    </TableCell>
                  </TableRow>
                ))}
              </TableBody>
            </Table>
          </div>
          <div className="flex items-center justify-between border-t border-border px-4 py-2 text-sm text-muted-foreground">
            <span>
              {number(offset + 1)}–{number(offset + rows.length)} of {number(total)}
            </span>
            <span className="flex gap-2">
              <Button size="sm" variant="secondary" disabled={offset === 0} onClick={() => setOffset(offset - PAGE)}>
                Previous
              </Button>
              <Button
                size="sm"
                variant="secondary"
                disabled={offset + PAGE >= total}
                onClick={() => setOffset(offset + PAGE)}
              >
                Next
              </Button>
            </span>
          </div>
        </>
      )}
      <Sheet open={thread !== null} onOpenChange={(open) => (open ? null : setThread(null))}>
        {thread ? (
          <SheetContent title={`Notes and queries: ${thread.usubjid}`} description={`${dataset} ${thread.recordKey}`}>
            <ThreadPanel
              studyId={studyId}
              usubjid={thread.usubjid}
              record={{
                dataset,
                key: Object.fromEntries(Object.entries(thread.key).map(([k, v]) => [k, v ?? ''])),
                label: `${dataset} ${thread.recordKey}`,
              }}
              canWrite={canWrite}
            />
          </SheetContent>
        ) : null}
      </Sheet>
    </Card>
  );
}

function MyQueriesCard({ studyId, counts, canWrite }: { studyId: string; counts: ReviewCounts; canWrite: boolean }) {
  const mine = useQuery(reviewThreadsQuery(studyId, { assigned: 'me' }));
  const [open, setOpen] = useState<string | null>(null);
  const list = (mine.data?.data ?? []).filter((t) => t.status !== 'closed');
  return (
    <Card className="h-fit">
      <CardHeader
        title="Open queries assigned to me"
        description={`${number(counts.openAssignedToMe)} of ${number(counts.openThreads)} open in this study.`}
      />
      {list.length === 0 ? (
        <p className="px-6 pb-6 text-sm text-muted-foreground">Nothing waits for you.</p>
      ) : (
        <ul className="divide-y divide-border">
          {list.map((t) => (
            <li key={t.id} className="px-6 py-3">
              <button type="button" className="w-full text-left" onClick={() => setOpen(t.usubjid)}>
                <span className="flex flex-wrap items-center gap-2">
                  <ThreadStatusBadge status={t.status} />
                  <span className="font-medium">{t.title}</span>
                </span>
                <span className="block text-xs text-muted-foreground">
                  {t.usubjid}
                  {t.recordKey ? ` · ${t.dataset} ${t.recordKey}` : ''} · from {t.createdByName ?? 'an API key'}
                </span>
              </button>
            </li>
          ))}
        </ul>
      )}
      <Sheet open={open !== null} onOpenChange={(o) => (o ? null : setOpen(null))}>
        {open ? (
          <SheetContent title={`Notes and queries: ${open}`}>
            <ThreadPanel studyId={studyId} usubjid={open} canWrite={canWrite} />
          </SheetContent>
        ) : null}
      </Sheet>
    </Card>
  );
}
