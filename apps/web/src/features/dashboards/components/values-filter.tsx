import type { DashboardFilterDef } from '@cdp/contracts';
import { useQuery } from '@tanstack/react-query';
import { Check } from 'lucide-react';
import { useMemo, useState } from 'react';
import { Button } from '../../../components/ui/button.tsx';
import { Input } from '../../../components/ui/input.tsx';
import { Skeleton } from '../../../components/ui/skeleton.tsx';
import { errorMessage } from '../../../lib/api-error.ts';
import { cn } from '../../../lib/cn.ts';
import { filterValuesQuery } from '../api/dashboards-api.ts';
import { filterValuesOf, type ViewFilter, valueText } from '../lib/view-filters.ts';

type Value = string | number | boolean | null;

interface ValuesFilterProps {
  def: DashboardFilterDef;
  filter: ViewFilter | undefined;
  onChange: (filter: ViewFilter | null) => void;
  onDone: () => void;
  studyId: string;
  dashboardId: string;
  dataVersionId: string | null;
}

/** Picks values of a field (one for `select`, any number for `multi`), with how many subjects have each. */
export function ValuesFilter({
  def,
  filter,
  onChange,
  onDone,
  studyId,
  dashboardId,
  dataVersionId,
}: ValuesFilterProps) {
  const query = useQuery(filterValuesQuery(studyId, dashboardId, def.id, dataVersionId));
  const [search, setSearch] = useState('');
  const selected = filterValuesOf(filter);
  const multi = def.kind === 'multi';
  const values = query.data?.values ?? [];
  const shown = useMemo(() => {
    const needle = search.trim().toLowerCase();
    return needle ? values.filter((v) => String(v.value).toLowerCase().includes(needle)) : values;
  }, [values, search]);

  const toggle = (value: Value) => {
    if (!multi) {
      onChange(selected.length === 1 && selected[0] === value ? null : { field: def.field, op: 'in', value: [value] });
      onDone();
      return;
    }
    const next = selected.includes(value) ? selected.filter((v) => v !== value) : [...selected, value];
    onChange(next.length ? { field: def.field, op: 'in', value: next } : null);
  };

  if (query.isPending) {
    return (
      <div className="space-y-2 p-3" role="status" aria-label={`Loading ${def.label} values`}>
        <Skeleton className="h-4 w-3/4" />
        <Skeleton className="h-4 w-1/2" />
        <Skeleton className="h-4 w-2/3" />
      </div>
    );
  }
  if (query.isError) {
    return (
      <div role="alert" className="space-y-2 p-3 text-[13px]">
        <p className="font-medium">Could not load the values</p>
        <p className="text-xs text-muted-foreground">{errorMessage(query.error)}</p>
        <Button size="sm" variant="secondary" onClick={() => query.refetch()} loading={query.isFetching}>
          Try again
        </Button>
      </div>
    );
  }
  return (
    <div className="flex max-h-96 flex-col">
      {values.length > 8 ? (
        <div className="border-b border-border p-2">
          <Input
            value={search}
            onChange={(event) => setSearch(event.target.value)}
            placeholder={`Search ${def.label.toLowerCase()}`}
            aria-label={`Search ${def.label}`}
            className="h-8 text-[13px]"
          />
        </div>
      ) : null}
      <ul className="min-h-0 flex-1 overflow-y-auto p-1" aria-label={`${def.label} values`}>
        {shown.length === 0 ? (
          <li className="px-2 py-3 text-center text-[13px] text-muted-foreground">
            {values.length === 0 ? 'No values in the data.' : 'No value matches.'}
          </li>
        ) : (
          shown.map(({ value, count }) => {
            const on = selected.includes(value);
            return (
              <li key={String(value)}>
                <button
                  type="button"
                  aria-pressed={on}
                  onClick={() => toggle(value)}
                  className="flex w-full items-center gap-2 rounded-md px-2 py-1.5 text-left text-[13px] hover:bg-surface-sunken focus-visible:outline-2 focus-visible:outline-offset-[-2px] focus-visible:outline-ring"
                >
                  <span
                    className={cn(
                      'flex size-4 shrink-0 items-center justify-center border',
                      multi ? 'rounded-[4px]' : 'rounded-full',
                      on ? 'border-primary bg-primary text-primary-foreground' : 'border-input bg-surface',
                    )}
                    aria-hidden
                  >
                    {on ? <Check className="size-3" strokeWidth={3} /> : null}
                  </span>
                  <span className="min-w-0 flex-1 truncate">{valueText(value)}</span>
                  <span className="text-xs text-muted-foreground tabular-nums">{count.toLocaleString()}</span>
                </button>
              </li>
            );
          })
        )}
      </ul>
      {multi ? (
        <div className="flex items-center justify-between gap-2 border-t border-border p-2">
          <Button size="sm" variant="ghost" onClick={() => onChange(null)} disabled={selected.length === 0}>
            Clear
          </Button>
          <Button size="sm" onClick={onDone}>
            Done
          </Button>
        </div>
      ) : null}
    </div>
  );
}
