import type { DatasetColumn } from '@cdp/contracts';
import { ArrowDown, ArrowUp, ChartColumn, ChevronDown, Filter, ListFilter, ShieldAlert, X } from 'lucide-react';
import { type CSSProperties, useRef } from 'react';
import {
  DropdownMenu,
  DropdownMenuContent,
  DropdownMenuItem,
  DropdownMenuSeparator,
  DropdownMenuTrigger,
} from '../../../components/ui/dropdown-menu.tsx';
import { Tooltip } from '../../../components/ui/tooltip.tsx';
import { cn } from '../../../lib/cn.ts';
import { ColumnTypeIcon, TYPE_LABELS } from './column-type-icon.tsx';

export type SortDirection = 'asc' | 'desc' | null;

interface ColumnHeaderProps {
  column: DatasetColumn;
  index: number;
  style: CSSProperties;
  sort: SortDirection;
  filtered: boolean;
  selected: boolean;
  onSort: (direction: SortDirection) => void;
  onFilter: () => void;
  onProfile: () => void;
}

function Details({ column }: { column: DatasetColumn }) {
  const facts = [
    TYPE_LABELS[column.type],
    column.length ? `length ${column.length}` : null,
    column.format ? `format ${column.format}` : null,
  ].filter(Boolean);
  return (
    <span className="block space-y-0.5">
      <span className="block font-mono font-semibold">{column.name}</span>
      {column.label ? <span className="block">{column.label}</span> : null}
      <span className="block text-slate-300">{facts.join(' · ')}</span>
      {column.phi ? <span className="block text-amber-200">{phiNote(column)}</span> : null}
    </span>
  );
}

function phiNote(column: DatasetColumn): string {
  if (column.phi === 'sensitive') return 'Sensitive: handle with care';
  return column.masked
    ? 'PHI, masked for you: dates show the year, text shows [PHI]; it cannot be filtered or sorted'
    : 'PHI: you see it in clear, and each view is recorded in the PHI access log';
}

/** The study's PHI classification of a column, as a small badge in its header. */
function PhiMark({ column }: { column: DatasetColumn }) {
  if (!column.phi) return null;
  const phi = column.phi === 'phi';
  return (
    <span
      role="img"
      aria-label={phi ? (column.masked ? 'PHI, masked' : 'PHI') : 'Sensitive'}
      className={cn(
        'inline-flex shrink-0 items-center gap-0.5 rounded px-1 text-[10px] font-semibold leading-4',
        phi ? 'bg-amber-100 text-amber-900' : 'bg-sky-100 text-sky-900',
      )}
    >
      <ShieldAlert className="size-3" aria-hidden />
      {phi ? 'PHI' : 'SENS'}
    </span>
  );
}

/** Name, label and type of a column; a click sorts (ascending, descending, off), the menu filters and profiles. */
export function ColumnHeader({
  column,
  index,
  style,
  sort,
  filtered,
  selected,
  onSort,
  onFilter,
  onProfile,
}: ColumnHeaderProps) {
  const next: SortDirection = sort === null ? 'asc' : sort === 'asc' ? 'desc' : null;
  // The filter form opens in a popover that takes focus; handing focus back to this menu's button would close it.
  const keepFocus = useRef(false);
  return (
    <th
      scope="col"
      aria-colindex={index + 2}
      aria-sort={sort === 'asc' ? 'ascending' : sort === 'desc' ? 'descending' : 'none'}
      className={cn(
        'group absolute top-0 flex h-full border-r border-b border-border text-left font-normal',
        selected ? 'bg-primary-soft shadow-[inset_0_-2px_0_var(--color-primary)]' : 'bg-surface-muted',
      )}
      style={style}
    >
      <Tooltip content={<Details column={column} />}>
        <button
          type="button"
          // A masked PHI column cannot be sorted or filtered (the server refuses: no oracle).
          onClick={() => (column.masked ? undefined : onSort(next))}
          aria-label={`${column.name}${column.label ? `, ${column.label}` : ''}`}
          className="flex min-w-0 flex-1 flex-col justify-center gap-0.5 pr-1 pl-3 text-left transition-colors hover:bg-surface-sunken/70 focus-visible:outline-offset-[-2px]"
        >
          <span className="flex min-w-0 items-center gap-1.5">
            <ColumnTypeIcon type={column.type} />
            <span className="truncate font-mono text-xs font-semibold text-foreground" title={column.name}>
              {column.name}
            </span>
            <PhiMark column={column} />
            {sort === 'asc' ? <ArrowUp className="size-3 shrink-0 text-primary" aria-hidden /> : null}
            {sort === 'desc' ? <ArrowDown className="size-3 shrink-0 text-primary" aria-hidden /> : null}
            {filtered ? <Filter className="size-3 shrink-0 text-primary" aria-label="Filtered" /> : null}
          </span>
          <span className="truncate text-[11px] font-normal text-muted-foreground" title={column.label ?? undefined}>
            {column.label ?? '\u00a0'}
          </span>
        </button>
      </Tooltip>
      <DropdownMenu>
        <DropdownMenuTrigger asChild>
          <button
            type="button"
            aria-label={`${column.name} column actions`}
            className="my-auto mr-1 flex size-6 shrink-0 items-center justify-center rounded text-muted-foreground opacity-0 transition-opacity group-hover:opacity-100 hover:bg-surface-sunken hover:text-foreground focus-visible:opacity-100 data-[state=open]:opacity-100"
          >
            <ChevronDown className="size-3.5" />
          </button>
        </DropdownMenuTrigger>
        <DropdownMenuContent
          align="end"
          className="min-w-48"
          onCloseAutoFocus={(event) => {
            if (keepFocus.current) event.preventDefault();
            keepFocus.current = false;
          }}
        >
          <DropdownMenuItem disabled={column.masked} onSelect={() => onSort('asc')}>
            <ArrowUp />
            Sort ascending
          </DropdownMenuItem>
          <DropdownMenuItem disabled={column.masked} onSelect={() => onSort('desc')}>
            <ArrowDown />
            Sort descending
          </DropdownMenuItem>
          {sort ? (
            <DropdownMenuItem onSelect={() => onSort(null)}>
              <X />
              Clear sort
            </DropdownMenuItem>
          ) : null}
          <DropdownMenuSeparator />
          <DropdownMenuItem
            disabled={column.masked}
            onSelect={() => {
              keepFocus.current = true;
              onFilter();
            }}
          >
            <ListFilter />
            Filter…
          </DropdownMenuItem>
          <DropdownMenuItem onSelect={onProfile}>
            <ChartColumn />
            Column profile
          </DropdownMenuItem>
        </DropdownMenuContent>
      </DropdownMenu>
    </th>
  );
}
