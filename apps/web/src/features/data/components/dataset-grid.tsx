import type { DatasetColumn } from '@cdp/contracts';
import { useVirtualizer } from '@tanstack/react-virtual';
import { type ReactNode, useEffect, useMemo, useRef } from 'react';
import { Button } from '../../../components/ui/button.tsx';
import { ScrollCues, useHiddenEdges } from '../../../components/ui/scroll-cues.tsx';
import { errorMessage } from '../../../lib/api-error.ts';
import { cn } from '../../../lib/cn.ts';
import { SubjectLink } from '../../subjects/components/subject-link.tsx';
import { cellText, columnWidth, isNumeric } from '../lib/cells.ts';
import { ColumnHeader, type SortDirection } from './column-header.tsx';

const ROW_HEIGHT = 32;
const HEADER_HEIGHT = 52;
const ROW_NUMBER_WIDTH = 72;
/** Room for a row's review mark beside its number. */
const MARK_WIDTH = 24;

interface DatasetGridProps {
  label: string;
  columns: DatasetColumn[];
  total: number;
  rowAt: (index: number) => unknown[] | undefined;
  onRangeChange: (range: [number, number]) => void;
  /** Changes when the rows are re-sorted or re-filtered: the grid then scrolls back to the top. */
  viewKey: string;
  sortOf: (column: string) => SortDirection;
  filtered: Set<string>;
  selectedColumn: string | undefined;
  onSort: (column: string, direction: SortDirection) => void;
  onFilter: (column: string) => void;
  onProfile: (column: string) => void;
  pageError: unknown;
  onRetry: () => void;
  dimmed: boolean;
  /** The study, when USUBJID cells should open the subject's profile. */
  studyId?: string;
  /** A mark beside each loaded row's number (its review status), when the viewer shows one. */
  rowMark?: (row: unknown[]) => ReactNode;
}

/**
 * A virtualised grid: only the rows and columns on screen exist in the DOM, so a dataset of a
 * million rows and hundreds of columns scrolls as smoothly as one of ten. Header and row numbers stay put.
 */
export function DatasetGrid({
  label,
  columns,
  total,
  rowAt,
  onRangeChange,
  viewKey,
  sortOf,
  filtered,
  selectedColumn,
  onSort,
  onFilter,
  onProfile,
  pageError,
  onRetry,
  dimmed,
  studyId,
  rowMark,
}: DatasetGridProps) {
  const headWidth = ROW_NUMBER_WIDTH + (rowMark ? MARK_WIDTH : 0);
  const scroller = useRef<HTMLDivElement>(null);
  const edges = useHiddenEdges(scroller);
  const widths = useMemo(() => columns.map(columnWidth), [columns]);
  const rows = useVirtualizer({
    count: total,
    getScrollElement: () => scroller.current,
    estimateSize: () => ROW_HEIGHT,
    paddingStart: HEADER_HEIGHT,
    overscan: 12,
  });
  const cols = useVirtualizer({
    horizontal: true,
    count: columns.length,
    getScrollElement: () => scroller.current,
    estimateSize: (index) => widths[index] ?? 120,
    paddingStart: headWidth,
    overscan: 3,
  });
  const virtualRows = rows.getVirtualItems();
  const virtualCols = cols.getVirtualItems();
  const width = cols.getTotalSize();

  const firstRow = virtualRows[0]?.index ?? 0;
  const lastRow = virtualRows[virtualRows.length - 1]?.index ?? 0;
  useEffect(() => onRangeChange([firstRow, lastRow]), [firstRow, lastRow, onRangeChange]);

  // biome-ignore lint/correctness/useExhaustiveDependencies: viewKey is the trigger, not a value read here
  useEffect(() => {
    scroller.current?.scrollTo({ top: 0 });
  }, [viewKey]);

  return (
    <div className="relative h-full">
      <div
        ref={scroller}
        // biome-ignore lint/a11y/noNoninteractiveTabindex: a scrolling region must take focus so the keyboard can scroll it
        tabIndex={0}
        className={cn(
          'h-full overflow-auto overscroll-contain focus-visible:outline-offset-[-2px]',
          dimmed && 'opacity-60 transition-opacity',
        )}
      >
        {/* Table elements keep grid semantics; CSS lays them out so only what is on screen is rendered. */}
        <table
          aria-label={label}
          aria-rowcount={total + 1}
          aria-colcount={columns.length + 1}
          className="relative block text-left"
          style={{ width, height: rows.getTotalSize() }}
        >
          <thead className="sticky top-0 z-20 block bg-surface-muted" style={{ width, height: HEADER_HEIGHT }}>
            <tr aria-rowindex={1} className="flex h-full">
              <th
                scope="col"
                aria-colindex={1}
                data-sticky-col
                className="sticky left-0 z-10 flex items-end justify-end border-r border-b border-border bg-surface-muted px-3 pb-2 text-[11px] font-medium text-muted-foreground"
                style={{ width: headWidth, minWidth: headWidth }}
              >
                {rowMark ? 'Review · Row' : 'Row'}
              </th>
              {virtualCols.map((vc) => {
                const column = columns[vc.index];
                if (!column) return null;
                return (
                  <ColumnHeader
                    key={column.name}
                    column={column}
                    index={vc.index}
                    style={{ left: vc.start, width: vc.size }}
                    sort={sortOf(column.name)}
                    filtered={filtered.has(column.name)}
                    selected={column.name === selectedColumn}
                    onSort={(direction) => onSort(column.name, direction)}
                    onFilter={() => onFilter(column.name)}
                    onProfile={() => onProfile(column.name)}
                  />
                );
              })}
            </tr>
          </thead>
          <tbody className="block">
            {virtualRows.map((vr) => {
              const row = rowAt(vr.index);
              return (
                <tr
                  key={vr.key}
                  aria-rowindex={vr.index + 2}
                  aria-busy={row ? undefined : true}
                  className="group absolute left-0 flex border-b border-border/70 hover:bg-slate-50"
                  style={{ top: vr.start, height: ROW_HEIGHT, width }}
                >
                  <th
                    scope="row"
                    aria-colindex={1}
                    className="sticky left-0 z-10 block border-r border-border bg-surface px-3 text-right font-mono text-[11px] leading-8 font-normal text-subtle-foreground tabular-nums group-hover:bg-slate-50"
                    style={{ width: headWidth, minWidth: headWidth }}
                  >
                    {rowMark ? (
                      <span className="float-left inline-flex h-8 w-4 items-center" data-row-mark>
                        {row ? rowMark(row) : null}
                      </span>
                    ) : null}
                    {(vr.index + 1).toLocaleString()}
                  </th>
                  {virtualCols.map((vc) => {
                    const column = columns[vc.index];
                    if (!column) return null;
                    const value = row?.[vc.index];
                    const text = cellText(value);
                    return (
                      <td
                        key={column.name}
                        aria-colindex={vc.index + 2}
                        className={cn(
                          'absolute top-0 block h-full truncate border-r border-border/60 px-3 font-mono text-xs leading-8',
                          isNumeric(column.type) && 'text-right tabular-nums',
                          column.name === selectedColumn && 'bg-primary-soft/60',
                        )}
                        style={{ left: vc.start, width: vc.size }}
                        title={text.length > 12 ? text : undefined}
                      >
                        {!row ? (
                          <span
                            className="inline-block h-2.5 w-2/3 animate-pulse rounded bg-slate-200/70"
                            aria-hidden
                          />
                        ) : value === null || value === undefined ? (
                          <>
                            <span className="text-subtle-foreground" aria-hidden>
                              ·
                            </span>
                            <span className="sr-only">missing</span>
                          </>
                        ) : studyId && column.name.toUpperCase() === 'USUBJID' && !column.masked ? (
                          <SubjectLink studyId={studyId} subjectId={text} />
                        ) : (
                          text
                        )}
                      </td>
                    );
                  })}
                </tr>
              );
            })}
          </tbody>
        </table>
      </div>
      <ScrollCues edges={edges} />
      {pageError ? (
        <div
          role="alert"
          className="absolute inset-x-4 bottom-4 z-30 flex items-center gap-3 rounded-md border border-red-200 bg-destructive-soft px-3.5 py-2.5 text-[13px] text-destructive-soft-foreground shadow-overlay"
        >
          <span className="min-w-0 flex-1">Some rows could not be loaded. {errorMessage(pageError)}</span>
          <Button variant="secondary" size="sm" onClick={onRetry}>
            Try again
          </Button>
        </div>
      ) : null}
    </div>
  );
}
