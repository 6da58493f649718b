import type { ColumnProfile, ColumnProfileGroup, DatasetColumn, RowFilter } from '@cdp/contracts';
import { useQuery } from '@tanstack/react-query';
import { Filter, X } from 'lucide-react';
import { Button } from '../../../components/ui/button.tsx';
import { ErrorState } from '../../../components/ui/error-state.tsx';
import { Select } from '../../../components/ui/select.tsx';
import { Skeleton } from '../../../components/ui/skeleton.tsx';
import { plural } from '../../../lib/format.ts';
import { profileQuery } from '../api/data-api.ts';
import { cellText, isNumeric, statText } from '../lib/cells.ts';
import { shareText as percent } from '../lib/share.ts';
import { ColumnTypeIcon, TYPE_LABELS } from './column-type-icon.tsx';

interface ColumnProfilePanelProps {
  studyId: string;
  versionId: string;
  dataset: string;
  columns: DatasetColumn[];
  column: string;
  /** The viewer's filters: the profile describes the rows they keep. */
  filters: RowFilter[];
  /** The column the statistics are split by (LBTESTCD), if any. */
  by: string | undefined;
  onColumnChange: (column: string) => void;
  onByChange: (by: string | undefined) => void;
  onFilter: (filter: RowFilter) => void;
  /** The viewer also filters by review status, which the profile does not follow: it says so. */
  reviewFiltered?: boolean;
  onClose: () => void;
}

function Stat({ label, value, mono }: { label: string; value: string; mono?: boolean }) {
  return (
    <div className="min-w-0 space-y-0.5">
      <dt className="text-xs text-muted-foreground">{label}</dt>
      <dd
        className={mono ? 'truncate font-mono text-xs' : 'truncate text-[13px] font-medium tabular-nums'}
        title={value}
      >
        {value}
      </dd>
    </div>
  );
}

function Profile({ profile, onFilter }: { profile: ColumnProfile; onFilter: (filter: RowFilter) => void }) {
  const present = profile.rows - profile.missing;
  const top = profile.top[0]?.count ?? 0;
  const numeric = isNumeric(profile.type);
  const empty = (v: unknown) => (v === null || v === undefined ? '—' : statText(v));
  return (
    <div className="space-y-5">
      <div className="space-y-1.5">
        <div className="flex items-baseline justify-between text-xs">
          <span className="text-muted-foreground">Filled</span>
          <span className="tabular-nums">
            <span className="font-medium">{present.toLocaleString()}</span> of {profile.rows.toLocaleString()} ·{' '}
            {percent(present, profile.rows)}
          </span>
        </div>
        <div className="h-1.5 overflow-hidden rounded-full bg-slate-100" aria-hidden>
          <div
            className="h-full rounded-full bg-teal-500"
            style={{ width: `${profile.rows ? (present / profile.rows) * 100 : 0}%` }}
          />
        </div>
      </div>
      <dl className="grid grid-cols-2 gap-x-4 gap-y-3">
        <Stat label="Type" value={TYPE_LABELS[profile.type]} />
        <Stat label="Rows" value={profile.rows.toLocaleString()} />
        <Stat
          label="Missing"
          value={`${profile.missing.toLocaleString()} (${percent(profile.missing, profile.rows)})`}
        />
        <Stat label="Distinct" value={profile.distinct.toLocaleString()} />
        <Stat label="Min" value={empty(profile.min)} mono={!numeric} />
        <Stat label="Max" value={empty(profile.max)} mono={!numeric} />
        {numeric ? <Stat label="Mean" value={empty(profile.mean)} /> : null}
      </dl>
      <div className="space-y-2">
        <h3 className="text-xs font-semibold tracking-wide text-muted-foreground uppercase">Most frequent values</h3>
        {profile.top.length === 0 ? (
          <p className="text-[13px] text-muted-foreground">Every value is missing.</p>
        ) : (
          <ul className="space-y-1" aria-label="Most frequent values">
            {profile.top.map((entry) => {
              const text = entry.value === null || entry.value === undefined ? null : cellText(entry.value);
              const filter: RowFilter =
                text === null
                  ? { column: profile.name, op: 'null' }
                  : { column: profile.name, op: 'eq', value: entry.value as string | number | boolean };
              return (
                <li key={text ?? '\u0000missing'}>
                  <button
                    type="button"
                    onClick={() => onFilter(filter)}
                    className="group relative block w-full overflow-hidden rounded px-2 py-1 text-left hover:bg-surface-sunken"
                    aria-label={`${text ?? 'missing'}: ${entry.count.toLocaleString()} rows. Show only these rows`}
                  >
                    <span
                      className="absolute inset-y-0 left-0 rounded bg-teal-100/70"
                      style={{ width: `${top ? (entry.count / top) * 100 : 0}%` }}
                      aria-hidden
                    />
                    <span className="relative flex items-center justify-between gap-3 text-xs">
                      <span className="truncate font-mono">
                        {text === null ? <span className="text-muted-foreground italic">missing</span> : text || '""'}
                      </span>
                      <span className="flex shrink-0 items-center gap-1.5 text-muted-foreground tabular-nums">
                        <Filter className="size-3 opacity-0 group-hover:opacity-100" aria-hidden />
                        {entry.count.toLocaleString()}
                        <span className="w-9 text-right">{percent(entry.count, profile.rows)}</span>
                      </span>
                    </span>
                  </button>
                </li>
              );
            })}
          </ul>
        )}
        {profile.distinct > profile.top.length ? (
          <p className="text-xs text-muted-foreground">
            {(profile.distinct - profile.top.length).toLocaleString()} more distinct values. Click a value to filter by
            it.
          </p>
        ) : (
          <p className="text-xs text-muted-foreground">Click a value to show only its rows.</p>
        )}
      </div>
    </div>
  );
}

function SplitTable({ profile }: { profile: ColumnProfile }) {
  const split = profile.split;
  if (!split) return null;
  const numeric = isNumeric(profile.type);
  const value = (v: unknown) => (v === null || v === undefined ? '—' : statText(v));
  const label = (group: ColumnProfileGroup) =>
    group.value === null || group.value === undefined ? 'missing' : cellText(group.value) || '""';
  return (
    <div className="space-y-2">
      <h3 className="text-xs font-semibold tracking-wide text-muted-foreground uppercase">By {split.by}</h3>
      <ul className="divide-y divide-border rounded border border-border" aria-label={`${profile.name} by ${split.by}`}>
        {split.groups.map((group) => (
          <li key={JSON.stringify(group.value)} className="space-y-0.5 px-2 py-1.5 text-xs tabular-nums">
            <p className="flex items-baseline justify-between gap-3">
              <span className="min-w-0 truncate font-mono" title={label(group)}>
                {label(group)}
              </span>
              <span className="shrink-0 text-muted-foreground">{plural(group.rows, 'row')}</span>
            </p>
            <p className="text-muted-foreground">
              {numeric ? `mean ${value(group.mean)} · ` : `${group.distinct.toLocaleString()} distinct · `}
              {value(group.min)} – {value(group.max)}
              {group.missing > 0 ? ` · ${group.missing.toLocaleString()} missing` : ''}
            </p>
          </li>
        ))}
      </ul>
      {split.totalGroups > split.groups.length ? (
        <p className="text-xs text-muted-foreground">
          The {split.groups.length} largest of {split.totalGroups.toLocaleString()} values of {split.by}.
        </p>
      ) : null}
    </div>
  );
}

/** Statistics of one column over the rows the viewer's filters keep, optionally split by another column. */
export function ColumnProfilePanel({
  studyId,
  versionId,
  dataset,
  columns,
  column,
  filters,
  by,
  onColumnChange,
  onByChange,
  onFilter,
  onClose,
  reviewFiltered = false,
}: ColumnProfilePanelProps) {
  const query = useQuery(profileQuery(studyId, versionId, dataset, column, filters, by));
  const meta = columns.find((c) => c.name === column);
  return (
    <aside
      aria-label={`Profile of ${column}`}
      className="flex w-72 shrink-0 flex-col border-l border-border bg-surface lg:w-80"
    >
      <div className="flex items-start gap-2 border-b border-border px-4 py-3">
        <div className="min-w-0 flex-1">
          <p className="flex items-center gap-1.5 text-sm font-semibold">
            {meta ? <ColumnTypeIcon type={meta.type} /> : null}
            <span className="truncate font-mono">{column}</span>
          </p>
          <p className="truncate text-xs text-muted-foreground" title={meta?.label ?? undefined}>
            {meta?.label ?? 'Column profile'}
          </p>
        </div>
        <Button variant="ghost" size="icon-sm" onClick={onClose} aria-label="Close the column profile">
          <X />
        </Button>
      </div>
      <div className="flex-1 space-y-4 overflow-y-auto px-4 py-4">
        <Select aria-label="Column to profile" value={column} onChange={(event) => onColumnChange(event.target.value)}>
          {columns.map((c) => (
            <option key={c.name} value={c.name}>
              {c.name}
            </option>
          ))}
        </Select>
        <div className="flex items-center gap-2 text-xs text-muted-foreground">
          <label htmlFor="profile-split-by" className="shrink-0">
            Split by
          </label>
          <Select
            id="profile-split-by"
            aria-label="Split the profile by"
            value={by ?? ''}
            onChange={(event) => onByChange(event.target.value || undefined)}
          >
            <option value="">Nothing</option>
            {columns
              .filter((c) => c.name !== column)
              .map((c) => (
                <option key={c.name} value={c.name}>
                  {c.name}
                </option>
              ))}
          </Select>
        </div>
        {query.isPending ? (
          <div className="space-y-3" role="status" aria-label="Loading the profile">
            <Skeleton className="h-4 w-full" />
            <Skeleton className="h-24 w-full" />
            <Skeleton className="h-4 w-2/3" />
            <Skeleton className="h-4 w-3/4" />
            <Skeleton className="h-4 w-1/2" />
          </div>
        ) : query.isError ? (
          <ErrorState className="px-0 py-6" error={query.error} what="the profile" onRetry={() => query.refetch()} />
        ) : (
          <>
            <Profile profile={query.data} onFilter={onFilter} />
            <SplitTable profile={query.data} />
            <p className="border-t border-border pt-3 text-xs text-muted-foreground">
              {query.data.filters > 0
                ? `Computed over the ${query.data.rows.toLocaleString()} rows the filters keep.`
                : 'Computed over every row of the dataset.'}
              {reviewFiltered ? ' The review status filter does not apply to the profile.' : ''}
            </p>
          </>
        )}
      </div>
    </aside>
  );
}
