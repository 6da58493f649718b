import type { ReviewRecordStatusDto } from '@cdp/contracts';
import { CircleCheck, CircleDashed, TriangleAlert, X } from 'lucide-react';
import { useState } from 'react';
import { Sheet, SheetContent } from '../../../components/ui/sheet.tsx';
import { cn } from '../../../lib/cn.ts';
import { MarkControl } from './mark-control.tsx';
import { ReviewBadge, ReviewChanges } from './review-badge.tsx';
import { ThreadPanel } from './thread-panel.tsx';

const ICONS = {
  reviewed: { icon: CircleCheck, className: 'text-success-soft-foreground' },
  changed: { icon: TriangleAlert, className: 'text-warning-soft-foreground' },
  not_reviewed: { icon: CircleDashed, className: 'text-subtle-foreground' },
  removed: { icon: X, className: 'text-destructive' },
} as const;

const LABELS = {
  reviewed: 'Reviewed',
  changed: 'Changed since review',
  not_reviewed: 'Not reviewed',
  removed: 'Record removed',
} as const;

/**
 * A record's review status as a small mark for dense tables (the dataset grid, a subject listing):
 * an icon with its name for screen readers and in its tooltip; a click opens the record's status,
 * what changed, the Mark / Unmark control and its notes and queries.
 */
export function RecordMark({
  studyId,
  record,
  label,
  canWrite,
  withText = false,
}: {
  studyId: string;
  record: ReviewRecordStatusDto;
  /** What the record is called: "AE USUBJID=…|AESEQ=3", "Subject 01-701-1015". */
  label: string;
  canWrite: boolean;
  /** Show the status's name beside the icon (where the table has room). */
  withText?: boolean;
}) {
  const [open, setOpen] = useState(false);
  const { icon: Icon, className } = ICONS[record.status];
  const changed = record.changes.map((c) => `${c.column} ${c.from ?? '(blank)'} → ${c.to ?? '(blank)'}`).join('; ');
  const title = `${LABELS[record.status]}${changed ? `: ${changed}` : ''}`;
  return (
    <>
      <button
        type="button"
        className={cn(
          'inline-flex items-center gap-1 rounded-sm align-middle text-xs hover:underline focus-visible:outline-2 focus-visible:outline-ring',
          className,
        )}
        title={title}
        aria-label={`${LABELS[record.status]}: ${label}`}
        data-review-status={record.status}
        onClick={(event) => {
          event.stopPropagation();
          setOpen(true);
        }}
      >
        <Icon className="size-3.5 shrink-0" aria-hidden />
        {withText ? <span className="whitespace-nowrap">{LABELS[record.status]}</span> : null}
      </button>
      <Sheet open={open} onOpenChange={setOpen}>
        {open ? (
          <SheetContent title={`Review: ${label}`} description={`${record.dataset} ${record.recordKey}`}>
            <div className="space-y-3 pb-4">
              <div className="flex flex-wrap items-center gap-3">
                <ReviewBadge status={record.status} changes={record.changes} />
                {canWrite ? <MarkControl studyId={studyId} record={record} label={label} /> : null}
              </div>
              <ReviewChanges changes={record.changes} />
              {record.mark?.action === 'reviewed' ? (
                <p className="text-xs text-muted-foreground">
                  Reviewed by {record.mark.userName ?? 'an API key'}, {new Date(record.mark.createdAt).toLocaleString()}
                  {record.mark.comment ? <span className="block italic">“{record.mark.comment}”</span> : null}
                </p>
              ) : null}
            </div>
            <ThreadPanel
              studyId={studyId}
              usubjid={record.usubjid}
              record={{
                dataset: record.dataset,
                key: Object.fromEntries(Object.entries(record.key).map(([k, v]) => [k, v ?? ''])),
                label,
              }}
              canWrite={canWrite}
            />
          </SheetContent>
        ) : null}
      </Sheet>
    </>
  );
}
