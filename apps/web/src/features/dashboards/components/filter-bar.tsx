import type { DashboardFilterDef } from '@cdp/contracts';
import { ChevronDown, MousePointerClick, X } from 'lucide-react';
import { useState } from 'react';
import { Button } from '../../../components/ui/button.tsx';
import { Popover, PopoverContent, PopoverTrigger } from '../../../components/ui/popover.tsx';
import { cn } from '../../../lib/cn.ts';
import { describeValue, setFilter, type ViewFilter } from '../lib/view-filters.ts';
import { AgeGroupFilter, BoundsFilter } from './range-filters.tsx';
import { ValuesFilter } from './values-filter.tsx';

interface FilterBarProps {
  defs: DashboardFilterDef[];
  filters: ViewFilter[];
  onChange: (filters: ViewFilter[]) => void;
  fieldLabel: (field: string) => string;
  studyId: string;
  dashboardId: string;
  dataVersionId: string | null;
}

/**
 * The dashboard's filter controls, then the filters in force as chips (the ones made by clicking a
 * chart included), each removable, and "Clear all".
 */
export function FilterBar({
  defs,
  filters,
  onChange,
  fieldLabel,
  studyId,
  dashboardId,
  dataVersionId,
}: FilterBarProps) {
  if (defs.length === 0 && filters.length === 0) return null;
  const labelOf = (field: string) => defs.find((d) => d.field === field)?.label ?? fieldLabel(field);
  return (
    <div className="space-y-2.5">
      {defs.length > 0 ? (
        // biome-ignore lint/a11y/useSemanticElements: a fieldset's legend and border do not fit a toolbar of popovers
        <div
          role="group"
          aria-label="Dashboard filters"
          className="-mx-1 flex items-center gap-2 overflow-x-auto px-1 py-0.5 sm:mx-0 sm:flex-wrap sm:overflow-visible sm:px-0"
        >
          {defs.map((def) => (
            <FilterControl
              key={def.id}
              def={def}
              filter={filters.find((f) => f.field === def.field)}
              onChange={(next) => onChange(setFilter(filters, def.field, next))}
              studyId={studyId}
              dashboardId={dashboardId}
              dataVersionId={dataVersionId}
            />
          ))}
        </div>
      ) : null}
      {filters.length > 0 ? (
        <ul aria-label="Filters in force" className="flex flex-wrap items-center gap-1.5">
          {filters.map((filter) => {
            const text = `${labelOf(filter.field)}: ${describeValue(filter)}`;
            return (
              <li
                key={filter.field}
                data-filter-chip={filter.field}
                className="inline-flex h-7 max-w-full items-center overflow-hidden rounded-full border border-teal-200 bg-primary-soft pl-2.5 text-xs text-primary-soft-foreground"
              >
                {filter.src ? <MousePointerClick className="mr-1 size-3 shrink-0" aria-label="From a chart" /> : null}
                <span className="truncate">
                  <span className="font-medium">{labelOf(filter.field)}:</span> {describeValue(filter)}
                </span>
                <button
                  type="button"
                  className="ml-1 flex h-full items-center px-1.5 hover:bg-teal-100/70 focus-visible:outline-offset-[-2px]"
                  onClick={() => onChange(setFilter(filters, filter.field, null))}
                  aria-label={`Remove filter ${text}`}
                >
                  <X className="size-3.5" />
                </button>
              </li>
            );
          })}
          <li>
            <Button variant="ghost" size="sm" className="h-7 px-2 text-xs" onClick={() => onChange([])}>
              Clear all
            </Button>
          </li>
        </ul>
      ) : null}
    </div>
  );
}

interface FilterControlProps {
  def: DashboardFilterDef;
  filter: ViewFilter | undefined;
  onChange: (filter: ViewFilter | null) => void;
  studyId: string;
  dashboardId: string;
  dataVersionId: string | null;
}

function FilterControl({ def, filter, onChange, studyId, dashboardId, dataVersionId }: FilterControlProps) {
  const [open, setOpen] = useState(false);
  const done = () => setOpen(false);
  const source = { studyId, dashboardId, dataVersionId };
  return (
    <Popover open={open} onOpenChange={setOpen}>
      <PopoverTrigger asChild>
        <Button
          variant="secondary"
          size="sm"
          data-filter={def.id}
          className={cn(
            'max-w-72',
            filter && 'border-teal-300 bg-primary-soft text-primary-soft-foreground hover:bg-teal-100/60',
          )}
        >
          <span className="truncate">
            {def.label}
            {filter ? <span className="font-normal">: {describeValue(filter)}</span> : null}
          </span>
          <ChevronDown className="opacity-60" />
        </Button>
      </PopoverTrigger>
      <PopoverContent className={cn('p-0', def.kind === 'age-group' ? 'w-48' : 'w-72')} aria-label={def.label}>
        {def.kind === 'select' || def.kind === 'multi' ? (
          <ValuesFilter def={def} filter={filter} onChange={onChange} onDone={done} {...source} />
        ) : def.kind === 'age-group' ? (
          <AgeGroupFilter def={def} filter={filter} onChange={onChange} onDone={done} />
        ) : (
          <BoundsFilter def={def} filter={filter} onChange={onChange} onDone={done} {...source} />
        )}
      </PopoverContent>
    </Popover>
  );
}
