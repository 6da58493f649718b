import { Plus, X } from 'lucide-react';
import { type ComponentProps, type ReactNode, useEffect, useState } from 'react';
import { Button } from '../../../../components/ui/button.tsx';
import { Input } from '../../../../components/ui/input.tsx';
import { Select } from '../../../../components/ui/select.tsx';
import { cn } from '../../../../lib/cn.ts';
import type { SchemaColumn, SchemaDataset } from '../../lib/dsl-schema.ts';

/** Compact controls for the step forms (the app's controls at 32 px). */
export const compact = '[&_select]:h-8 [&_select]:text-[13px]';

export function SmallInput({ className, ...props }: ComponentProps<typeof Input>) {
  return <Input className={cn('h-8 text-[13px]', className)} {...props} />;
}

const TYPE_NAMES: Record<string, string> = {
  string: 'text',
  number: 'number',
  integer: 'integer',
  boolean: 'yes/no',
  date: 'date',
  datetime: 'date-time',
  time: 'time',
  calculated: 'calculated',
};
export const typeName = (type: string) => TYPE_NAMES[type] ?? type;

/**
 * A column of a dataset, as the step sees it: the columns the previous steps left. A value that
 * is not among them (a typo, a column dropped earlier) stays shown, marked, so it can be changed.
 */
export function ColumnSelect({
  dataset,
  value,
  onChange,
  placeholder = 'Choose a column',
  exclude = [],
  ...props
}: Omit<ComponentProps<'select'>, 'value' | 'onChange'> & {
  dataset: SchemaDataset | undefined;
  value: string;
  onChange: (value: string) => void;
  placeholder?: string;
  exclude?: string[];
}) {
  const columns = (dataset?.columns ?? []).filter(
    (c) => c.name === value || !exclude.some((e) => e.toLowerCase() === c.name.toLowerCase()),
  );
  const match = columns.find((c) => c.name.toLowerCase() === value.toLowerCase());
  const selected = match?.name ?? value;
  return (
    <Select
      {...props}
      className={cn(compact, props.className)}
      value={selected}
      onChange={(e) => onChange(e.target.value)}
    >
      <option value="">{dataset ? placeholder : 'Choose the dataset first'}</option>
      {value && !match ? <option value={value}>{value} (not in the dataset here)</option> : null}
      {columns.map((column) => (
        <option key={column.name} value={column.name}>
          {column.name} · {typeName(column.type)}
        </option>
      ))}
    </Select>
  );
}

/**
 * An ordered list of columns: chips that can be removed, and a picker that adds one of the
 * columns not yet listed (or all of them).
 */
export function ColumnsInput({
  id,
  dataset,
  value,
  onChange,
  invalid,
  describedBy,
  label,
}: {
  id: string;
  dataset: SchemaDataset | undefined;
  value: string[];
  onChange: (value: string[]) => void;
  invalid?: boolean;
  describedBy?: string;
  label: string;
}) {
  const remaining = (dataset?.columns ?? []).filter(
    (c) => !value.some((v) => v.toLowerCase() === c.name.toLowerCase()),
  );
  const known = (name: string) => dataset?.columns.some((c) => c.name.toLowerCase() === name.toLowerCase()) ?? false;
  return (
    <div className="space-y-2">
      {value.length > 0 ? (
        <ul className="flex flex-wrap gap-1.5" aria-label={`${label}: chosen`}>
          {value.map((name) => (
            <li
              key={name}
              className={cn(
                'inline-flex h-7 items-center gap-1 rounded-md border bg-surface-muted pr-1 pl-2 font-mono text-xs',
                known(name) ? 'border-border' : 'border-red-300 bg-destructive-soft text-destructive-soft-foreground',
              )}
              title={known(name) ? undefined : 'Not a column of the dataset at this step'}
            >
              {name}
              <button
                type="button"
                onClick={() => onChange(value.filter((v) => v !== name))}
                className="rounded p-0.5 text-muted-foreground hover:bg-surface-sunken hover:text-foreground"
                aria-label={`Remove ${name}`}
              >
                <X className="size-3" aria-hidden />
              </button>
            </li>
          ))}
        </ul>
      ) : null}
      <div className="flex gap-2">
        <Select
          id={id}
          aria-invalid={invalid || undefined}
          aria-describedby={describedBy}
          aria-label={`${label}: add a column`}
          className={cn(compact, 'min-w-0 flex-1')}
          value=""
          onChange={(e) => e.target.value && onChange([...value, e.target.value])}
          disabled={!dataset}
        >
          <option value="">
            {!dataset
              ? 'Choose the dataset first'
              : remaining.length === 0
                ? 'Every column is listed'
                : 'Add a column…'}
          </option>
          {remaining.map((c) => (
            <option key={c.name} value={c.name}>
              {c.name} · {typeName(c.type)}
            </option>
          ))}
        </Select>
        {remaining.length > 1 ? (
          <Button
            variant="ghost"
            size="sm"
            onClick={() => onChange([...value, ...remaining.map((c) => c.name)])}
            aria-label={`${label}: add all columns`}
          >
            Add all
          </Button>
        ) : null}
      </div>
    </div>
  );
}

/** Rows of a list parameter (renames, conversions, measures, sort keys), each removable, and an add button. */
export function RowList<T>({
  rows,
  onChange,
  render,
  make,
  addLabel,
  label,
  emptyText,
}: {
  rows: T[];
  onChange: (rows: T[]) => void;
  render: (row: T, update: (row: T) => void, index: number) => ReactNode;
  make: () => T;
  addLabel: string;
  label: string;
  emptyText?: string;
}) {
  return (
    <div className="space-y-2">
      {rows.length === 0 && emptyText ? <p className="text-xs text-muted-foreground">{emptyText}</p> : null}
      {rows.length > 0 ? (
        <ol className="space-y-2" aria-label={label}>
          {rows.map((row, index) => (
            // biome-ignore lint/suspicious/noArrayIndexKey: rows have no identity beyond their place
            <li key={index} className="flex items-start gap-2">
              <div className="grid min-w-0 flex-1 gap-2 sm:auto-cols-fr sm:grid-flow-col">
                {render(row, (next) => onChange(rows.map((r, i) => (i === index ? next : r))), index)}
              </div>
              <Button
                variant="ghost"
                size="icon-sm"
                onClick={() => onChange(rows.filter((_, i) => i !== index))}
                aria-label={`Remove ${label.toLowerCase()} ${index + 1}`}
              >
                <X />
              </Button>
            </li>
          ))}
        </ol>
      ) : null}
      <Button variant="secondary" size="sm" onClick={() => onChange([...rows, make()])}>
        <Plus />
        {addLabel}
      </Button>
    </div>
  );
}

/** Text typed for a value, read as the type the column holds (numbers for numeric columns). */
export function readScalar(text: string, type: string | undefined): string | number | boolean {
  const trimmed = text.trim();
  if ((type === 'number' || type === 'integer') && trimmed !== '' && Number.isFinite(Number(trimmed))) {
    return Number(trimmed);
  }
  if (type === 'boolean' && /^(true|false)$/i.test(trimmed)) return trimmed.toLowerCase() === 'true';
  return text;
}

export const showScalar = (value: unknown): string =>
  value === undefined || value === null ? '' : typeof value === 'string' ? value : String(value);

/**
 * A text box that keeps what is typed (a trailing comma, a half-typed number) while handing the
 * parsed value up; a value changed from outside replaces the text.
 */
export function ParsedInput<T>({
  value,
  parse,
  show,
  onChange,
  ...props
}: Omit<ComponentProps<typeof Input>, 'value' | 'onChange'> & {
  value: T;
  parse: (text: string) => T;
  show: (value: T) => string;
  onChange: (value: T) => void;
}) {
  const [text, setText] = useState(() => show(value));
  const valueKey = JSON.stringify(value ?? null);
  // biome-ignore lint/correctness/useExhaustiveDependencies: valueKey stands for value's content
  useEffect(() => {
    setText((current) => (JSON.stringify(parse(current) ?? null) === valueKey ? current : show(value)));
  }, [valueKey]);
  return (
    <SmallInput
      {...props}
      value={text}
      onChange={(e) => {
        setText(e.target.value);
        onChange(parse(e.target.value));
      }}
    />
  );
}

export function columnType(dataset: SchemaDataset | undefined, name: string): string | undefined {
  return dataset?.columns.find((c: SchemaColumn) => c.name.toLowerCase() === name.toLowerCase())?.type;
}
