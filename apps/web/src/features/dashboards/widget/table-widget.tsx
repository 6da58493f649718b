import type { WidgetColumn } from '@cdp/contracts';
import { useVirtualizer } from '@tanstack/react-virtual';
import { ArrowDown, ArrowUp, Users } from 'lucide-react';
import { type ReactNode, useMemo, useRef } from 'react';
import { Pagination } from '../../../components/ui/pagination.tsx';
import { ScrollCues, useHiddenEdges } from '../../../components/ui/scroll-cues.tsx';
import { cn } from '../../../lib/cn.ts';
import { SubjectLink, type SubjectLinkTarget } from '../../subjects/components/subject-link.tsx';
import type { DrillPoint, TableView } from '../api/dashboards-api.ts';
import type { PointSelection } from '../lib/chart-option.ts';
import { describePoint } from '../lib/chart-point.ts';
import { cellStyle, type FormatRule, RULE_CLASSES, rulesByColumn } from '../lib/conditional-format.ts';
import { type ShownColumn, type ShownRow, tableModel } from '../lib/table-model.ts';
import { cellText, isNumericColumn } from '../lib/widget-cells.ts';

/** Small tables render every row, so column widths never shift while scrolling. */
const VIRTUAL_FROM = 150;
const ROW_HEIGHT = 32;
const INDENT = 18;

interface TableWidgetProps {
  label: string;
  columns: WidgetColumn[];
  rows: unknown[][];
  total?: number;
  rules: FormatRule[];
  /** Rows this widget's own cross-filter selected are marked. */
  selection?: PointSelection;
  /** A row's dimension values were clicked (cross-filter). */
  onRow?: (point: DrillPoint) => void;
  /** "View subjects" for a row. */
  onDrill?: (point: DrillPoint) => void;
  /** A listing paged and sorted by the server: header clicks sort, the footer pages. */
  paging?: { view: TableView; onView: (view: TableView) => void; pageSize: number };
  /** Subject ids (columns of field `subject_id`) link to the subject's profile. */
  subjects?: SubjectLinkTarget;
  /** A subject's review mark beside its id (the subject listing). */
  subjectMark?: (subjectId: string) => ReactNode;
}

/** The next sort when a header is clicked: ascending, then descending, then the widget's own order. */
function nextSort(current: string | undefined, column: string): string | undefined {
  if (current === column) return `-${column}`;
  if (current === `-${column}`) return undefined;
  return column;
}

function display(value: unknown, shown: ShownColumn): ReactNode {
  if (value === null || value === undefined) return <span className="text-subtle-foreground">—</span>;
  if (shown.percent && typeof value === 'number') return value.toFixed(1);
  return cellText(value, shown.column);
}

/**
 * A widget's rows: sticky header, numbers right-aligned, conditional formatting, the layout of a
 * clinical summary table where the rows have one (see `tableModel`), and "View subjects" on every
 * row that stands for a group of subjects.
 */
export function TableWidget({
  label,
  columns,
  rows,
  total,
  rules,
  selection,
  onRow,
  onDrill,
  paging,
  subjects,
  subjectMark,
}: TableWidgetProps) {
  const scroller = useRef<HTMLDivElement>(null);
  const edges = useHiddenEdges(scroller);
  const model = useMemo(() => tableModel(columns, rows), [columns, rows]);
  const ruleSets = useMemo(() => rulesByColumn(rules, columns), [rules, columns]);
  const drillable = Boolean(onDrill) && model.rows.some((r) => Object.keys(r.point).length > 0);
  const span = model.columns.length + (drillable ? 1 : 0);

  const virtual = model.rows.length >= VIRTUAL_FROM;
  const virtualizer = useVirtualizer({
    // Off for a short table: an enabled virtualizer measures its scroller as the table mounts,
    // which forces the browser to lay the whole dashboard out again for each table that arrives.
    enabled: virtual,
    count: virtual ? model.rows.length : 0,
    getScrollElement: () => scroller.current,
    estimateSize: () => ROW_HEIGHT,
    overscan: 10,
  });
  const items = virtual ? virtualizer.getVirtualItems() : model.rows.map((_, index) => ({ index, start: 0, end: 0 }));
  const padTop = virtual ? (items[0]?.start ?? 0) : 0;
  const padBottom = virtual ? virtualizer.getTotalSize() - (items.at(-1)?.end ?? 0) : 0;

  const subjectColumn = columns.findIndex((c) => c.field === 'subject_id');
  const linked = useMemo((): SubjectLinkTarget | undefined => {
    if (!subjects || subjectColumn < 0) return undefined;
    const ids = rows.map((row) => row[subjectColumn]).filter((v): v is string => typeof v === 'string');
    return { ...subjects, list: () => ({ label, subjects: [...new Set(ids)], ...subjects.whole }) };
  }, [subjects, subjectColumn, rows, label]);
  const cell = (value: unknown, shown: ShownColumn): ReactNode =>
    linked && shown.column.field === 'subject_id' && typeof value === 'string' ? (
      <>
        {subjectMark ? <span className="mr-1.5 inline-flex align-middle">{subjectMark(value)}</span> : null}
        <SubjectLink studyId={linked.studyId} subjectId={value} list={linked.list} />
      </>
    ) : (
      display(value, shown)
    );

  const renderRow = (shown: ShownRow, position: number): ReactNode => {
    if (shown.kind === 'heading') {
      return (
        <tr key={`h${position}`} className="border-b border-border/70 bg-surface-muted/70">
          <th scope="rowgroup" colSpan={span} className="h-8 px-4 text-left text-[13px] font-semibold">
            {shown.heading}
          </th>
        </tr>
      );
    }
    const row = rows[shown.source];
    if (!row) return null;
    const hasPoint = Object.keys(shown.point).length > 0;
    const clickable = Boolean(onRow) && hasPoint;
    const picked = hasPoint && selection?.(shown.point) === true;
    return (
      <tr
        key={shown.source}
        data-row={shown.source}
        data-selected={picked || undefined}
        aria-selected={selection ? picked : undefined}
        className={cn(
          'group/row border-b border-border/70 last:border-0',
          clickable && 'cursor-pointer hover:bg-surface-muted',
          shown.kind === 'total' && 'bg-surface-muted/70 font-semibold',
          shown.kind === 'parent' && model.nested && 'font-medium',
          picked && 'bg-primary-soft hover:bg-primary-soft',
        )}
        onClick={clickable ? () => onRow?.(shown.point) : undefined}
      >
        {model.columns.map((column, c) => {
          const value = row[column.index];
          const style = cellStyle(value, ruleSets[column.index]);
          const first = c === 0;
          return (
            <td
              key={column.column.name}
              className={cn(
                'h-8 px-3 py-1.5 align-middle whitespace-nowrap first:pl-4 last:pr-4',
                isNumericColumn(column.column) && 'text-right tabular-nums',
                style && RULE_CLASSES[style],
                // The row label stays in view while the numbers scroll under it (opaque, like its row).
                first &&
                  cn(
                    'sticky left-0 z-[1]',
                    picked ? 'bg-primary-soft' : shown.kind === 'total' ? 'bg-surface-muted' : 'bg-card',
                    clickable && !picked && 'group-hover/row:bg-surface-muted',
                  ),
              )}
              style={first && shown.level > 0 ? { paddingLeft: 16 + shown.level * INDENT } : undefined}
            >
              {first ? (
                <span className="block max-w-[min(18rem,45cqw)] truncate" title={cellText(value, column.column)}>
                  {cell(value, column)}
                </span>
              ) : column.column.drill && onDrill && typeof value === 'number' && value > 0 ? (
                // A group's count (an arm's n) lists that group's subjects of this row.
                <button
                  type="button"
                  className="rounded-sm text-primary tabular-nums underline-offset-2 hover:underline focus-visible:ring-2 focus-visible:ring-ring focus-visible:outline-none"
                  aria-label={`View subjects: ${describePoint({ ...shown.point, ...column.column.drill }, columns)}`}
                  title="View these subjects"
                  data-drill-cell={column.column.name}
                  onClick={(event) => {
                    event.stopPropagation();
                    onDrill({ ...shown.point, ...column.column.drill });
                  }}
                >
                  {cell(value, column)}
                </button>
              ) : (
                cell(value, column)
              )}
            </td>
          );
        })}
        {drillable ? (
          <td className="w-9 px-1 py-0 text-right">
            {hasPoint ? (
              <button
                type="button"
                className="inline-flex size-7 items-center justify-center rounded-md text-muted-foreground opacity-0 transition-opacity group-hover/row:opacity-100 hover:bg-surface-sunken hover:text-foreground focus-visible:opacity-100"
                aria-label={`View subjects: ${describePoint(shown.point, columns)}`}
                title="View subjects"
                data-drill
                onClick={(event) => {
                  event.stopPropagation();
                  onDrill?.(shown.point);
                }}
              >
                <Users className="size-3.5" />
              </button>
            ) : null}
          </td>
        ) : null}
      </tr>
    );
  };

  // Headers wrap ("Drug X High Dose (N=84)" over two lines) so a summary table's arms fit a half-width widget.
  const headClasses =
    'px-3 py-1.5 align-bottom text-xs leading-snug font-medium text-muted-foreground first:sticky first:left-0 first:z-[2] first:bg-surface-muted first:pl-4 first:whitespace-nowrap last:pr-4 [&:not(:first-child)]:max-w-40 [&:not(:first-child)]:min-w-16';
  return (
    <div className="flex h-full min-h-0 flex-col">
      <div className="relative min-h-0 flex-1">
        <div
          ref={scroller}
          // biome-ignore lint/a11y/noNoninteractiveTabindex: a scrolling region must take focus so the keyboard can scroll it
          tabIndex={0}
          data-scroller
          className="@container h-full overflow-auto overscroll-contain border-t border-border focus-visible:outline-offset-[-2px]"
        >
          <table aria-label={label} className="w-full border-collapse text-left text-[13px]">
            <thead className="sticky top-0 z-10 bg-surface-muted shadow-[inset_0_-1px_0_var(--border)]">
              {model.groups ? (
                <tr>
                  {model.groups.map((group, i) => (
                    <th
                      // biome-ignore lint/suspicious/noArrayIndexKey: header groups follow the columns, which do not reorder
                      key={i}
                      scope={group.label ? 'colgroup' : undefined}
                      colSpan={group.span}
                      className={cn(
                        headClasses,
                        'pt-1.5 pb-0 text-center text-foreground',
                        group.span > 1 && 'border-b border-border',
                      )}
                    >
                      {group.label}
                    </th>
                  ))}
                  {drillable ? <th aria-hidden /> : null}
                </tr>
              ) : null}
              <tr>
                {model.columns.map((column, c) => (
                  <th
                    key={column.column.name}
                    data-sticky-col={c === 0 || undefined}
                    scope="col"
                    className={cn(headClasses, isNumericColumn(column.column) && 'text-right')}
                    aria-sort={
                      paging?.view.sort === column.column.name
                        ? 'ascending'
                        : paging?.view.sort === `-${column.column.name}`
                          ? 'descending'
                          : undefined
                    }
                  >
                    {paging ? (
                      <button
                        type="button"
                        className="inline-flex items-center gap-1 rounded-sm hover:text-foreground focus-visible:outline-2 focus-visible:outline-ring"
                        onClick={() => {
                          const sort = nextSort(paging.view.sort, column.column.name);
                          paging.onView({ offset: 0, ...(sort ? { sort } : {}) });
                        }}
                      >
                        {column.label}
                        {paging.view.sort === column.column.name ? (
                          <ArrowUp className="size-3" aria-hidden />
                        ) : paging.view.sort === `-${column.column.name}` ? (
                          <ArrowDown className="size-3" aria-hidden />
                        ) : null}
                      </button>
                    ) : (
                      column.label
                    )}
                  </th>
                ))}
                {drillable ? (
                  <th scope="col" className="w-9">
                    <span className="sr-only">Actions</span>
                  </th>
                ) : null}
              </tr>
            </thead>
            <tbody>
              {padTop > 0 ? (
                <tr aria-hidden>
                  <td colSpan={span} style={{ height: padTop }} />
                </tr>
              ) : null}
              {items.map((item) => {
                const shown = model.rows[item.index];
                return shown ? renderRow(shown, item.index) : null;
              })}
              {padBottom > 0 ? (
                <tr aria-hidden>
                  <td colSpan={span} style={{ height: padBottom }} />
                </tr>
              ) : null}
            </tbody>
          </table>
        </div>
        <ScrollCues edges={edges} />
      </div>
      {paging && total !== undefined && total > paging.pageSize ? (
        <Pagination
          page={Math.floor(paging.view.offset / paging.pageSize) + 1}
          pageSize={paging.pageSize}
          total={total}
          noun="rows"
          onPageChange={(page) => paging.onView({ ...paging.view, offset: (page - 1) * paging.pageSize })}
        />
      ) : total !== undefined && total > rows.length ? (
        <p className="border-t border-border px-4 py-1.5 text-xs text-muted-foreground">
          Showing the first {rows.length.toLocaleString()} of {total.toLocaleString()} rows.
        </p>
      ) : null}
    </div>
  );
}
