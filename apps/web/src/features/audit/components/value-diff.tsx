import type { AuditEvent } from '@cdp/contracts';
import { ArrowRight } from 'lucide-react';
import { cn } from '../../../lib/cn.ts';

function isRecord(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

function show(value: unknown): string {
  if (value === undefined) return '';
  if (value === null) return 'null';
  if (typeof value === 'string') return value;
  return JSON.stringify(value);
}

interface Row {
  field: string;
  before: unknown;
  after: unknown;
}

/** Old and new values side by side, one line per field; unchanged context is not repeated. */
export function diffRows(oldValues: unknown, newValues: unknown): Row[] {
  if (!isRecord(oldValues) && !isRecord(newValues)) {
    if (oldValues === null && newValues === null) return [];
    return [{ field: 'value', before: oldValues ?? undefined, after: newValues ?? undefined }];
  }
  const before = isRecord(oldValues) ? oldValues : {};
  const after = isRecord(newValues) ? newValues : {};
  const fields = [...new Set([...Object.keys(before), ...Object.keys(after)])];
  return fields.map((field) => ({ field, before: before[field], after: after[field] }));
}

export function ValueDiff({ event }: { event: AuditEvent }) {
  const rows = diffRows(event.oldValues, event.newValues);
  if (rows.length === 0) return <p className="text-[13px] text-muted-foreground">No values were recorded.</p>;
  return (
    <table className="w-full text-[13px]">
      <thead className="sr-only">
        <tr>
          <th>Field</th>
          <th>Before</th>
          <th>After</th>
        </tr>
      </thead>
      <tbody>
        {rows.map((row) => {
          const hasBefore = row.before !== undefined;
          const hasAfter = row.after !== undefined;
          return (
            <tr key={row.field} className="align-top">
              <td className="w-40 py-1 pr-4 font-mono text-xs text-muted-foreground">{row.field}</td>
              <td className="py-1">
                <span className="flex flex-wrap items-center gap-2">
                  {hasBefore ? (
                    <span
                      className={cn(
                        'rounded px-1.5 py-0.5 font-mono text-xs break-all',
                        hasAfter ? 'bg-red-50 text-red-800 line-through decoration-red-300' : 'bg-slate-100',
                      )}
                    >
                      {show(row.before)}
                    </span>
                  ) : null}
                  {hasBefore && hasAfter ? (
                    <ArrowRight className="size-3.5 text-muted-foreground" aria-label="changed to" />
                  ) : null}
                  {hasAfter ? (
                    <span className="rounded bg-emerald-50 px-1.5 py-0.5 font-mono text-xs break-all text-emerald-800">
                      {show(row.after)}
                    </span>
                  ) : null}
                </span>
              </td>
            </tr>
          );
        })}
      </tbody>
    </table>
  );
}
