import type { DatasetColumn, RowFilter } from '@cdp/contracts';
import { ListFilter, X } from 'lucide-react';
import { Button } from '../../../components/ui/button.tsx';
import { Popover, PopoverContent, PopoverTrigger } from '../../../components/ui/popover.tsx';
import { describeFilter } from '../lib/row-filters.ts';
import { FilterForm } from './filter-form.tsx';

/** Which filter the popover edits: a new one (maybe for a given column) or an existing one by index. */
export type FilterEditor = { index: number | null; column: string } | null;

interface FilterBarProps {
  columns: DatasetColumn[];
  filters: RowFilter[];
  onChange: (filters: RowFilter[]) => void;
  editor: FilterEditor;
  onEditorChange: (editor: FilterEditor) => void;
}

/** The filters in force as chips (click to edit, × to remove) and the form that adds one. */
export function FilterBar({ columns, filters, onChange, editor, onEditorChange }: FilterBarProps) {
  const editing = editor?.index !== null && editor?.index !== undefined ? filters[editor.index] : undefined;
  const apply = (filter: RowFilter) => {
    const next = [...filters];
    if (editor?.index !== null && editor?.index !== undefined) next[editor.index] = filter;
    else next.push(filter);
    onChange(next);
    onEditorChange(null);
  };
  return (
    <div className="flex flex-wrap items-center gap-2">
      {filters.map((filter, index) => (
        <span
          // biome-ignore lint/suspicious/noArrayIndexKey: filters have no id; their order is their identity
          key={index}
          className="inline-flex h-8 items-center overflow-hidden rounded-md border border-teal-200 bg-primary-soft text-[13px] text-primary-soft-foreground"
        >
          <button
            type="button"
            className="h-full px-2.5 font-mono text-xs hover:bg-teal-100/60"
            onClick={() => onEditorChange({ index, column: filter.column })}
            aria-label={`Edit filter ${describeFilter(filter)}`}
          >
            {describeFilter(filter)}
          </button>
          <button
            type="button"
            className="flex h-full items-center border-l border-teal-200 px-1.5 hover:bg-teal-100/60"
            onClick={() => onChange(filters.filter((_, i) => i !== index))}
            aria-label={`Remove filter ${describeFilter(filter)}`}
          >
            <X className="size-3.5" />
          </button>
        </span>
      ))}
      <Popover
        open={editor !== null}
        onOpenChange={(open) => onEditorChange(open ? { index: null, column: columns[0]?.name ?? '' } : null)}
      >
        <PopoverTrigger asChild>
          <Button variant="secondary" size="sm" disabled={columns.length === 0}>
            <ListFilter />
            Add filter
          </Button>
        </PopoverTrigger>
        <PopoverContent aria-label={editing ? 'Edit filter' : 'Add a filter'}>
          {editor ? (
            <FilterForm
              key={`${editor.index}-${editor.column}`}
              columns={columns}
              initial={editing ?? { column: editor.column }}
              submitLabel={editing ? 'Update filter' : 'Apply filter'}
              onApply={apply}
              onCancel={() => onEditorChange(null)}
            />
          ) : null}
        </PopoverContent>
      </Popover>
      {filters.length > 0 ? (
        <Button variant="ghost" size="sm" onClick={() => onChange([])}>
          Clear filters
        </Button>
      ) : null}
    </div>
  );
}
