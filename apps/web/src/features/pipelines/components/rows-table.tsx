import { useRef } from 'react';
import { ScrollCues, useHiddenEdges } from '../../../components/ui/scroll-cues.tsx';
import { cn } from '../../../lib/cn.ts';
import { typeName } from './dsl/field-controls.tsx';

function cell(value: unknown): { text: string; missing: boolean } {
  if (value === null || value === undefined) return { text: '—', missing: true };
  if (typeof value === 'object') return { text: JSON.stringify(value), missing: false };
  return { text: String(value), missing: false };
}

/**
 * Rows as the server sent them (`columns` + `rows` as arrays), in a scrolling frame with a sticky
 * header: the pipeline preview's table. Numbers are right-aligned; missing values show as a dash.
 */
export function RowsTable({
  label,
  columns,
  rows,
  dimmed,
  className,
}: {
  label: string;
  columns: { name: string; type: string }[];
  rows: unknown[][];
  dimmed?: boolean;
  className?: string;
}) {
  const scroller = useRef<HTMLDivElement>(null);
  const edges = useHiddenEdges(scroller);
  const numeric = columns.map((c) => ['number', 'integer', 'double', 'bigint', 'numeric'].includes(c.type));
  return (
    <div className={cn('relative', className)}>
      <div ref={scroller} className="max-h-[28rem] overflow-auto" data-scroller>
        <table
          aria-label={label}
          className={cn('w-full border-collapse text-left text-[13px] transition-opacity', dimmed && 'opacity-60')}
        >
          <thead className="sticky top-0 z-[2] bg-surface-muted shadow-[inset_0_-1px_0_var(--border)]">
            <tr>
              <th scope="col" className="w-10 px-3 py-2 text-right text-xs font-medium text-subtle-foreground">
                #
              </th>
              {columns.map((c, i) => (
                <th key={c.name} scope="col" className={cn('px-3 py-2 whitespace-nowrap', numeric[i] && 'text-right')}>
                  <span className="block font-mono text-xs font-semibold text-foreground">{c.name}</span>
                  <span className="block text-[11px] font-normal text-muted-foreground">{typeName(c.type)}</span>
                </th>
              ))}
            </tr>
          </thead>
          <tbody>
            {rows.map((row, r) => (
              // biome-ignore lint/suspicious/noArrayIndexKey: preview rows have no key of their own
              <tr key={r} className="border-b border-border last:border-0 hover:bg-surface-muted">
                <td className="px-3 py-1.5 text-right text-xs text-subtle-foreground tabular-nums">{r + 1}</td>
                {columns.map((c, i) => {
                  const { text, missing } = cell(row[i]);
                  return (
                    <td
                      key={c.name}
                      className={cn(
                        'max-w-72 truncate px-3 py-1.5 whitespace-nowrap',
                        numeric[i] && 'text-right tabular-nums',
                        missing && 'text-subtle-foreground',
                      )}
                      title={text.length > 40 ? text : undefined}
                    >
                      {text}
                    </td>
                  );
                })}
              </tr>
            ))}
          </tbody>
        </table>
      </div>
      <ScrollCues edges={edges} />
    </div>
  );
}
