import { Filter, X } from 'lucide-react';
import { type FormEvent, useState } from 'react';
import { Button } from '../../../components/ui/button.tsx';
import { FormField } from '../../../components/ui/form-field.tsx';
import { Input } from '../../../components/ui/input.tsx';
import { Select } from '../../../components/ui/select.tsx';
import { ACTION_SUGGESTIONS, RESOURCE_TYPES } from './describe-event.ts';

/** Filter values as the URL holds them (dates as YYYY-MM-DD in local time). */
export interface AuditFilterValues {
  from?: string;
  to?: string;
  actor?: string;
  action?: string;
  resourceType?: string;
  resourceId?: string;
}

const EMPTY = { from: '', to: '', actor: '', action: '', resourceType: '', resourceId: '' };

function clean(values: typeof EMPTY): AuditFilterValues {
  return Object.fromEntries(
    Object.entries(values)
      .filter(([, v]) => v.trim() !== '')
      .map(([k, v]) => [k, v.trim()]),
  );
}

interface AuditFiltersProps {
  value: AuditFilterValues;
  onApply: (filters: AuditFilterValues) => void;
}

export function AuditFilters({ value, onApply }: AuditFiltersProps) {
  // The parent remounts this form (via `key`) when the URL's filters change.
  const [draft, setDraft] = useState({ ...EMPTY, ...value });
  const active = Object.values(value).some(Boolean);
  const set = (key: keyof typeof EMPTY) => (event: { target: { value: string } }) =>
    setDraft((d) => ({ ...d, [key]: event.target.value }));
  const invalidRange = Boolean(draft.from && draft.to && draft.from > draft.to);

  const submit = (event: FormEvent) => {
    event.preventDefault();
    if (!invalidRange) onApply(clean(draft));
  };

  return (
    <form onSubmit={submit} className="border-b border-border px-5 py-4" aria-label="Filter the audit trail">
      <div className="grid gap-4 sm:grid-cols-2 lg:grid-cols-3 xl:grid-cols-[repeat(5,minmax(0,1fr))_auto]">
        <FormField label="From">
          {(control) => (
            <Input {...control} type="date" value={draft.from} onChange={set('from')} max={draft.to || undefined} />
          )}
        </FormField>
        <FormField label="To" error={invalidRange ? 'The end date is before the start date.' : undefined}>
          {(control) => (
            <Input {...control} type="date" value={draft.to} onChange={set('to')} min={draft.from || undefined} />
          )}
        </FormField>
        <FormField label="Actor">
          {(control) => (
            <Input {...control} value={draft.actor} onChange={set('actor')} placeholder="E-mail or user id" />
          )}
        </FormField>
        <FormField label="Action">
          {(control) => (
            <>
              <Input
                {...control}
                value={draft.action}
                onChange={set('action')}
                placeholder="e.g. auth."
                list="audit-actions"
                className="font-mono text-[13px]"
              />
              <datalist id="audit-actions">
                {ACTION_SUGGESTIONS.map((action) => (
                  <option key={action} value={action} />
                ))}
              </datalist>
            </>
          )}
        </FormField>
        <FormField label="Resource type">
          {(control) => (
            <Select {...control} value={draft.resourceType} onChange={set('resourceType')}>
              <option value="">Any</option>
              {RESOURCE_TYPES.map((type) => (
                <option key={type} value={type}>
                  {type}
                </option>
              ))}
            </Select>
          )}
        </FormField>
        <div className="flex items-end gap-2">
          <Button type="submit" variant="secondary">
            <Filter />
            Apply
          </Button>
          {active ? (
            <Button variant="ghost" onClick={() => onApply({})} aria-label="Clear filters">
              <X />
              Clear
            </Button>
          ) : null}
        </div>
      </div>
      {value.resourceId ? (
        <p className="mt-3 text-xs text-muted-foreground">
          Showing one resource: <code className="font-mono">{value.resourceId}</code>
        </p>
      ) : null}
    </form>
  );
}
