import type { DatasetColumnType } from '@cdp/contracts';
import { Calendar, CalendarClock, CaseSensitive, Clock, Hash, type LucideIcon, ToggleLeft } from 'lucide-react';
import { cn } from '../../../lib/cn.ts';

export const TYPE_LABELS: Record<DatasetColumnType, string> = {
  string: 'Text',
  number: 'Number',
  integer: 'Integer',
  boolean: 'True/false',
  date: 'Date',
  datetime: 'Date and time',
  time: 'Time',
};

const ICONS: Record<DatasetColumnType, LucideIcon> = {
  string: CaseSensitive,
  number: Hash,
  integer: Hash,
  boolean: ToggleLeft,
  date: Calendar,
  datetime: CalendarClock,
  time: Clock,
};

/** The column's logical type as a small icon; its name is for screen readers and the tooltip. */
export function ColumnTypeIcon({ type, className }: { type: DatasetColumnType; className?: string }) {
  const Icon = ICONS[type];
  return (
    <Icon
      className={cn('size-3.5 shrink-0 text-subtle-foreground', className)}
      role="img"
      aria-label={TYPE_LABELS[type]}
    />
  );
}
