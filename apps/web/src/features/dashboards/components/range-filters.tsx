import type { DashboardFilterDef } from '@cdp/contracts';
import { useQuery } from '@tanstack/react-query';
import { Check } from 'lucide-react';
import { type FormEvent, useId, useState } from 'react';
import { Button } from '../../../components/ui/button.tsx';
import { Input } from '../../../components/ui/input.tsx';
import { Label } from '../../../components/ui/label.tsx';
import { cn } from '../../../lib/cn.ts';
import { filterValuesQuery } from '../api/dashboards-api.ts';
import { AGE_BANDS, ageBandOf, rangeOf, type ViewFilter } from '../lib/view-filters.ts';

interface RangeFilterProps {
  def: DashboardFilterDef;
  filter: ViewFilter | undefined;
  onChange: (filter: ViewFilter | null) => void;
  onDone: () => void;
}

/** The fixed age bands, one at a time. */
export function AgeGroupFilter({ def, filter, onChange, onDone }: RangeFilterProps) {
  const current = ageBandOf(filter);
  const options = [{ label: 'All ages', value: null }, ...AGE_BANDS];
  return (
    <ul className="p-1" aria-label={`${def.label} bands`}>
      {options.map((option) => {
        const on = option.value === null ? !filter : current?.label === option.label;
        return (
          <li key={option.label}>
            <button
              type="button"
              aria-pressed={on}
              onClick={() => {
                onChange(option.value ? { field: def.field, op: 'between', value: [...option.value] } : null);
                onDone();
              }}
              className="flex w-full items-center gap-2 rounded-md px-2 py-1.5 text-left text-[13px] hover:bg-surface-sunken focus-visible:outline-2 focus-visible:outline-offset-[-2px] focus-visible:outline-ring"
            >
              <Check className={cn('size-3.5 text-primary', !on && 'invisible')} aria-hidden />
              {option.label}
            </button>
          </li>
        );
      })}
    </ul>
  );
}

interface BoundsFilterProps extends RangeFilterProps {
  studyId: string;
  dashboardId: string;
  dataVersionId: string | null;
}

function bound(value: unknown): string {
  return value === null || value === undefined ? '' : String(value).slice(0, 10);
}

/**
 * From–to for dates (`date-range`) or numbers (`range`); either end may stay open. The data's
 * smallest and largest values bound the inputs.
 */
export function BoundsFilter({
  def,
  filter,
  onChange,
  onDone,
  studyId,
  dashboardId,
  dataVersionId,
}: BoundsFilterProps) {
  const id = useId();
  const dates = def.kind === 'date-range';
  const limits = useQuery(filterValuesQuery(studyId, dashboardId, def.id, dataVersionId)).data;
  const [low, high] = rangeOf(filter);
  const [from, setFrom] = useState(bound(low));
  const [to, setTo] = useState(bound(high));
  const [error, setError] = useState<string | null>(null);
  const parse = (text: string) => (text === '' ? null : dates ? text : Number(text));

  const apply = (event: FormEvent) => {
    event.preventDefault();
    const a = parse(from);
    const b = parse(to);
    if (a !== null && b !== null && (dates ? String(a) > String(b) : Number(a) > Number(b))) {
      setError(dates ? 'The start date is after the end date.' : 'The lower bound is above the upper bound.');
      return;
    }
    onChange(a === null && b === null ? null : { field: def.field, op: 'between', value: [a, b] });
    onDone();
  };
  const type = dates ? 'date' : 'number';
  const min = bound(limits?.min);
  const max = bound(limits?.max);
  return (
    <form onSubmit={apply} className="space-y-3 p-3" noValidate>
      <div className="grid grid-cols-2 gap-2">
        <div className="space-y-1.5">
          <Label htmlFor={`${id}-from`}>From</Label>
          <Input
            id={`${id}-from`}
            type={type}
            value={from}
            min={min}
            max={max}
            onChange={(e) => setFrom(e.target.value)}
            className="h-8 text-[13px]"
          />
        </div>
        <div className="space-y-1.5">
          <Label htmlFor={`${id}-to`}>To</Label>
          <Input
            id={`${id}-to`}
            type={type}
            value={to}
            min={min}
            max={max}
            onChange={(e) => setTo(e.target.value)}
            className="h-8 text-[13px]"
          />
        </div>
      </div>
      {min || max ? (
        <p className="text-xs text-muted-foreground">
          The data runs from {min || '…'} to {max || '…'}.
        </p>
      ) : null}
      {error ? (
        <p role="alert" className="text-xs text-destructive">
          {error}
        </p>
      ) : null}
      <div className="flex justify-between gap-2">
        <Button
          size="sm"
          variant="ghost"
          onClick={() => {
            onChange(null);
            onDone();
          }}
          disabled={!filter}
        >
          Clear
        </Button>
        <Button size="sm" type="submit">
          Apply
        </Button>
      </div>
    </form>
  );
}
