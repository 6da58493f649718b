import type { WidgetColumn } from '@cdp/contracts';

const MAX_ROWS = 5;

function cellText(value: unknown): string {
  if (value === null || value === undefined) return '';
  if (typeof value === 'object') return JSON.stringify(value);
  return String(value);
}

/** The first rows of the mapped columns, as the dataset has them: a quick check that the mapping makes sense. */
export function SampleTable({ columns, rows }: { columns: WidgetColumn[]; rows: unknown[][] }) {
  const shown = rows.slice(0, MAX_ROWS);
  return (
    <div className="overflow-x-auto rounded-md border border-border">
      <table className="w-full border-collapse text-left text-xs" aria-label="Sample rows">
        <thead className="bg-surface-muted">
          <tr className="border-b border-border">
            {columns.map((column) => (
              <th
                key={column.name}
                scope="col"
                className="px-2.5 py-1.5 font-mono text-[11px] font-medium whitespace-nowrap text-muted-foreground"
                title={column.label}
              >
                {column.name}
              </th>
            ))}
          </tr>
        </thead>
        <tbody>
          {shown.length === 0 ? (
            <tr>
              <td colSpan={columns.length} className="px-2.5 py-3 text-center text-muted-foreground">
                The dataset has no rows.
              </td>
            </tr>
          ) : (
            shown.map((row, r) => (
              // biome-ignore lint/suspicious/noArrayIndexKey: sample rows have no key of their own and never reorder
              <tr key={r} className="border-b border-border last:border-0">
                {columns.map((column, c) => {
                  const text = cellText(row[c]);
                  return (
                    <td key={column.name} className="max-w-40 truncate px-2.5 py-1.5 font-mono" title={text}>
                      {text === '' ? <span className="text-subtle-foreground">—</span> : text}
                    </td>
                  );
                })}
              </tr>
            ))
          )}
        </tbody>
      </table>
    </div>
  );
}
