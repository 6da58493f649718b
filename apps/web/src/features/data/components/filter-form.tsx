import type { DatasetColumn, RowFilter } from '@cdp/contracts';
import { type FormEvent, useState } from 'react';
import { Button } from '../../../components/ui/button.tsx';
import { FormField } from '../../../components/ui/form-field.tsx';
import { Input } from '../../../components/ui/input.tsx';
import { Select } from '../../../components/ui/select.tsx';
import { type FilterOp, filterValueText, needsValue, OP_LABELS, opsFor, parseFilter } from '../lib/row-filters.ts';

interface FilterFormProps {
  columns: DatasetColumn[];
  initial: RowFilter | { column: string; op?: undefined };
  submitLabel: string;
  onApply: (filter: RowFilter) => void;
  onCancel: () => void;
}

/** Column, condition and value of one filter; values are checked against the column's type. */
export function FilterForm({ columns, initial, submitLabel, onApply, onCancel }: FilterFormProps) {
  const [column, setColumn] = useState(initial.column);
  const type = columns.find((c) => c.name === column)?.type ?? 'string';
  const [op, setOp] = useState<FilterOp>(initial.op ?? opsFor(type)[0] ?? 'eq');
  const [value, setValue] = useState(initial.op ? filterValueText(initial as RowFilter) : '');
  const [error, setError] = useState<string | undefined>();

  const submit = (event: FormEvent) => {
    event.preventDefault();
    const parsed = parseFilter(column, type, op, value);
    if (!parsed.ok) {
      setError(parsed.message);
      return;
    }
    onApply(parsed.filter);
  };

  return (
    <form onSubmit={submit} noValidate aria-label="Filter rows" className="space-y-4">
      <FormField label="Column">
        {(control) => (
          <Select
            {...control}
            value={column}
            onChange={(event) => {
              const next = event.target.value;
              const nextType = columns.find((c) => c.name === next)?.type ?? 'string';
              setColumn(next);
              if (!opsFor(nextType).includes(op)) setOp(opsFor(nextType)[0] ?? 'eq');
              setError(undefined);
            }}
          >
            {columns.map((c) => (
              <option key={c.name} value={c.name}>
                {c.name}
                {c.label ? ` — ${c.label}` : ''}
              </option>
            ))}
          </Select>
        )}
      </FormField>
      <FormField label="Condition">
        {(control) => (
          <Select
            {...control}
            value={op}
            onChange={(event) => {
              setOp(event.target.value as FilterOp);
              setError(undefined);
            }}
          >
            {opsFor(type).map((o) => (
              <option key={o} value={o}>
                {OP_LABELS[o]}
              </option>
            ))}
          </Select>
        )}
      </FormField>
      {needsValue(op) ? (
        <FormField
          label="Value"
          error={error}
          hint={op === 'in' ? 'Separate values with commas.' : type === 'date' ? 'As YYYY-MM-DD.' : undefined}
        >
          {(control) => (
            <Input
              {...control}
              autoFocus
              value={value}
              inputMode={type === 'number' || type === 'integer' ? 'decimal' : undefined}
              onChange={(event) => {
                setValue(event.target.value);
                setError(undefined);
              }}
              className="font-mono text-[13px]"
            />
          )}
        </FormField>
      ) : null}
      <div className="flex justify-end gap-2 pt-1">
        <Button variant="secondary" size="sm" onClick={onCancel}>
          Cancel
        </Button>
        <Button type="submit" size="sm">
          {submitLabel}
        </Button>
      </div>
    </form>
  );
}
