import { ArrowRight } from 'lucide-react';
import { cn } from '../../../lib/cn.ts';
import { cellText } from '../lib/cells.ts';

/** A cell of a diff; a missing value is said, not left blank. */
export function DiffValue({ value, tone }: { value: unknown; tone?: 'from' | 'to' }) {
  const missing = value === null || value === undefined || value === '';
  return (
    <span
      className={cn(
        'rounded px-1.5 py-0.5 font-mono text-xs break-all',
        tone === 'from' && 'bg-red-50 text-red-800 line-through decoration-red-300',
        tone === 'to' && 'bg-emerald-50 text-emerald-800',
        !tone && 'bg-slate-100',
        missing && 'italic opacity-75',
      )}
    >
      {missing ? 'missing' : cellText(value)}
    </span>
  );
}

export function ChangedValue({ from, to }: { from: unknown; to: unknown }) {
  return (
    <span className="inline-flex flex-wrap items-center gap-1.5">
      <DiffValue value={from} tone="from" />
      <ArrowRight className="size-3.5 shrink-0 text-muted-foreground" aria-label="changed to" />
      <DiffValue value={to} tone="to" />
    </span>
  );
}

/** Rows given as records, in one table whose columns are all the records' keys (key columns first). */
export function RecordTable({
  records,
  keyColumns,
  tone,
  label,
}: {
  records: Record<string, unknown>[];
  keyColumns: string[];
  tone: 'added' | 'removed';
  label: string;
}) {
  const columns = [...new Set([...keyColumns, ...records.flatMap((r) => Object.keys(r))])];
  return (
    <div className="overflow-x-auto rounded-md border border-border">
      <table className="w-full text-left text-xs" aria-label={label}>
        <thead className="bg-surface-muted text-muted-foreground">
          <tr className="border-b border-border">
            <th scope="col" className="w-6 px-2 py-1.5">
              <span className="sr-only">Change</span>
            </th>
            {columns.map((c) => (
              <th
                key={c}
                scope="col"
                className={cn(
                  'px-2.5 py-1.5 font-mono font-medium whitespace-nowrap',
                  keyColumns.includes(c) && 'text-foreground',
                )}
              >
                {c}
              </th>
            ))}
          </tr>
        </thead>
        <tbody className="divide-y divide-border">
          {records.map((record, index) => (
            <tr
              // biome-ignore lint/suspicious/noArrayIndexKey: samples are a fixed list from one response
              key={index}
              className={tone === 'added' ? 'bg-emerald-50/60' : 'bg-red-50/60'}
            >
              <td
                className={cn(
                  'px-2 py-1.5 text-center font-mono font-semibold',
                  tone === 'added' ? 'text-emerald-700' : 'text-red-700',
                )}
                aria-label={tone === 'added' ? 'Added' : 'Removed'}
              >
                {tone === 'added' ? '+' : '−'}
              </td>
              {columns.map((c) => (
                <td
                  key={c}
                  className="max-w-60 truncate px-2.5 py-1.5 font-mono whitespace-nowrap"
                  title={cellText(record[c])}
                >
                  {record[c] === null || record[c] === undefined ? (
                    <span className="text-subtle-foreground">·</span>
                  ) : (
                    cellText(record[c])
                  )}
                </td>
              ))}
            </tr>
          ))}
        </tbody>
      </table>
    </div>
  );
}
