import type { DataVersion } from '@cdp/contracts';
import { useQuery } from '@tanstack/react-query';
import { AlertTriangle } from 'lucide-react';
import { plural } from '../../../lib/format.ts';
import { versionsQuery } from '../api/data-api.ts';

/** What an upload produced: the datasets converted and the files skipped, each with why. */
export function UploadResult({ studyId, version }: { studyId: string; version: DataVersion }) {
  const { datasets, skipped } = version;
  // Whether it is active now: someone may have activated it since the upload answered.
  const versions = useQuery(versionsQuery(studyId));
  const active = versions.data ? versions.data.meta.activeVersionId === version.id : version.active;
  return (
    <div className="space-y-3 px-4 py-3">
      <p className="text-[13px]">
        Version <span className="font-mono font-medium">{version.label}</span> created with{' '}
        <span className="font-medium">{plural(datasets.length, 'dataset')}</span>
        {skipped.length > 0 ? (
          <>
            ; <span className="font-medium text-warning-soft-foreground">{plural(skipped.length, 'file')} skipped</span>
          </>
        ) : null}
        .{' '}
        {active
          ? 'It is the active version.'
          : 'It is not active yet: activate it in the versions list once it has been checked.'}
      </p>
      {datasets.length > 0 ? (
        <div className="overflow-x-auto rounded-md border border-border">
          <table className="w-full text-left text-[13px]">
            <thead className="sticky top-0 bg-surface-muted text-xs text-muted-foreground">
              <tr className="border-b border-border">
                <th scope="col" className="px-3 py-2 font-medium">
                  Dataset
                </th>
                <th scope="col" className="px-3 py-2 font-medium">
                  Label
                </th>
                <th scope="col" className="px-3 py-2 text-right font-medium">
                  Rows
                </th>
                <th scope="col" className="px-3 py-2 text-right font-medium">
                  Columns
                </th>
                <th scope="col" className="px-3 py-2 font-medium">
                  From
                </th>
              </tr>
            </thead>
            <tbody className="divide-y divide-border">
              {datasets.map((d) => (
                <tr key={d.name}>
                  <td className="px-3 py-1.5 font-mono text-xs font-semibold">{d.name}</td>
                  <td className="max-w-56 truncate px-3 py-1.5 text-muted-foreground" title={d.label ?? undefined}>
                    {d.label ?? '—'}
                  </td>
                  <td className="px-3 py-1.5 text-right tabular-nums">{d.rows.toLocaleString()}</td>
                  <td className="px-3 py-1.5 text-right tabular-nums">{d.columns.length.toLocaleString()}</td>
                  <td
                    className="max-w-56 truncate px-3 py-1.5 font-mono text-xs text-muted-foreground"
                    title={d.source}
                  >
                    {d.source}
                  </td>
                </tr>
              ))}
            </tbody>
          </table>
        </div>
      ) : null}
      {skipped.length > 0 ? (
        <div className="rounded-md border border-amber-200 bg-warning-soft px-3 py-2.5 text-[13px] text-warning-soft-foreground">
          <p className="flex items-center gap-1.5 font-medium">
            <AlertTriangle className="size-3.5" aria-hidden />
            Skipped files
          </p>
          <ul className="mt-1.5 space-y-1" aria-label="Skipped files">
            {skipped.map((s) => (
              <li key={s.file} className="flex flex-wrap gap-x-2">
                <span className="font-mono text-xs font-medium break-all">{s.file}</span>
                <span className="opacity-90">{s.reason}</span>
              </li>
            ))}
          </ul>
        </div>
      ) : null}
    </div>
  );
}
