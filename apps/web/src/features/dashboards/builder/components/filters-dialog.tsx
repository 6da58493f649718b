import type { DashboardDocument, DashboardFilterDef } from '@cdp/contracts';
import { Plus, Trash2 } from 'lucide-react';
import { useId, useMemo, useState } from 'react';
import { Button } from '../../../../components/ui/button.tsx';
import { Dialog, DialogBody, DialogContent, DialogFooter } from '../../../../components/ui/dialog.tsx';
import { Input } from '../../../../components/ui/input.tsx';
import { Select } from '../../../../components/ui/select.tsx';
import { useFieldLabels } from '../../hooks/use-field-labels.ts';
import { defaultKind, mappedFields } from '../lib/dashboard-filters.ts';

const KINDS: Array<{ value: DashboardFilterDef['kind']; label: string }> = [
  { value: 'multi', label: 'Pick several values' },
  { value: 'select', label: 'Pick one value' },
  { value: 'age-group', label: 'Age groups' },
  { value: 'date-range', label: 'Date range' },
  { value: 'range', label: 'Number range' },
];

interface FiltersDialogProps {
  open: boolean;
  onOpenChange: (open: boolean) => void;
  document: DashboardDocument;
  onChange: (filters: DashboardFilterDef[]) => void;
}

/**
 * The dashboard's filter bar: which fields it offers, with what label and control. A filter applies
 * to every widget that maps its field, so only mapped fields are offered.
 */
export function FiltersDialog({ open, onOpenChange, document, onChange }: FiltersDialogProps) {
  const label = useFieldLabels();
  const filters = document.filters;
  const available = useMemo(
    () => mappedFields(document).filter((f) => !filters.some((def) => def.field === f)),
    [document, filters],
  );
  const [adding, setAdding] = useState('');
  const addId = useId();
  const field = available.includes(adding) ? adding : (available[0] ?? '');

  const update = (index: number, patch: Partial<DashboardFilterDef>) =>
    onChange(filters.map((def, i) => (i === index ? { ...def, ...patch } : def)));

  return (
    <Dialog open={open} onOpenChange={onOpenChange}>
      <DialogContent
        title="Dashboard filters"
        description="The filter bar above the widgets. Each filter applies to every widget that maps its field."
        size="lg"
      >
        <DialogBody className="space-y-4">
          {filters.length === 0 ? (
            <p className="rounded-md border border-dashed border-border px-4 py-6 text-center text-[13px] text-muted-foreground">
              No filters yet. Add one below.
            </p>
          ) : (
            <ul className="space-y-2" aria-label="Filters">
              {filters.map((def, index) => (
                <li key={def.id} className="flex items-center gap-2" data-filter-def={def.field}>
                  <span className="w-40 shrink-0 truncate font-mono text-xs text-muted-foreground" title={def.field}>
                    {def.field}
                  </span>
                  <Input
                    aria-label={`Label of the ${def.field} filter`}
                    value={def.label}
                    maxLength={100}
                    onChange={(event) => update(index, { label: event.target.value })}
                    className="min-w-0 flex-1"
                  />
                  <Select
                    aria-label={`Control of the ${def.field} filter`}
                    value={def.kind}
                    onChange={(event) => update(index, { kind: event.target.value as DashboardFilterDef['kind'] })}
                    className="w-56 shrink-0"
                  >
                    {KINDS.map((kind) => (
                      <option key={kind.value} value={kind.value}>
                        {kind.label}
                      </option>
                    ))}
                  </Select>
                  <Button
                    variant="ghost"
                    size="icon-sm"
                    aria-label={`Remove the ${def.label || def.field} filter`}
                    onClick={() => onChange(filters.filter((_, i) => i !== index))}
                  >
                    <Trash2 />
                  </Button>
                </li>
              ))}
            </ul>
          )}
          <div className="flex items-end gap-2 border-t border-border pt-4">
            <div className="min-w-0 flex-1 space-y-1.5">
              <label htmlFor={addId} className="block text-[13px] font-medium">
                Add a filter on
              </label>
              <Select
                id={addId}
                value={field}
                disabled={available.length === 0}
                onChange={(event) => setAdding(event.target.value)}
              >
                {available.length === 0 ? <option value="">Every mapped field has a filter</option> : null}
                {available.map((f) => (
                  <option key={f} value={f}>
                    {label(f)} ({f})
                  </option>
                ))}
              </Select>
            </div>
            <Button
              variant="secondary"
              disabled={!field || filters.length >= 20}
              onClick={() =>
                onChange([...filters, { id: field, field, label: label(field), kind: defaultKind(field) }])
              }
            >
              <Plus />
              Add filter
            </Button>
          </div>
        </DialogBody>
        <DialogFooter>
          <Button onClick={() => onOpenChange(false)}>Done</Button>
        </DialogFooter>
      </DialogContent>
    </Dialog>
  );
}
