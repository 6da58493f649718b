import {
  DSL_FILTER_OPERATOR_LABELS,
  DSL_FILTER_OPERATORS,
  type DslCondition,
  type DslFilterOperator,
  type DslScalar,
} from '@cdp/contracts';
import { ListPlus, Plus, X } from 'lucide-react';
import { Button } from '../../../../components/ui/button.tsx';
import { Select } from '../../../../components/ui/select.tsx';
import { cn } from '../../../../lib/cn.ts';
import type { SchemaDataset } from '../../lib/dsl-schema.ts';
import { ColumnSelect, columnType, compact, ParsedInput, readScalar, showScalar } from './field-controls.tsx';

type Condition = Partial<DslCondition>;
type Entry = Condition | { any: Condition[] };

const isGroup = (entry: Entry): entry is { any: Condition[] } => 'any' in entry && Array.isArray(entry.any);

const NULLARY = new Set<DslFilterOperator>(['is_null', 'is_not_null']);

/** What a condition's value becomes when its operator changes: kept when it still fits. */
function valueFor(operator: DslFilterOperator, value: Condition['value']): Condition['value'] {
  if (NULLARY.has(operator)) return undefined;
  const list = Array.isArray(value) ? value : value === undefined || value === '' ? [] : [value];
  if (operator === 'in' || operator === 'not_in') return list;
  if (operator === 'between') return [list[0] ?? '', list[1] ?? ''] as DslScalar[];
  return Array.isArray(value) ? (value[0] ?? '') : (value ?? '');
}

function ConditionRow({
  condition,
  onChange,
  onRemove,
  dataset,
  label,
  problem,
}: {
  condition: Condition;
  onChange: (condition: Condition) => void;
  onRemove: () => void;
  dataset: SchemaDataset | undefined;
  label: string;
  problem: boolean;
}) {
  const operator = condition.operator ?? 'equals';
  const type = columnType(dataset, condition.column ?? '');
  const scalar = (text: string) => readScalar(text, type);
  return (
    <li
      className={cn(
        'grid grid-cols-[1fr_auto] items-start gap-2 rounded-md border bg-surface p-2 sm:grid-cols-[minmax(0,1fr)_minmax(0,1fr)_minmax(0,1.2fr)_auto]',
        problem ? 'border-red-300' : 'border-border',
      )}
    >
      <ColumnSelect
        aria-label={`${label} column`}
        aria-invalid={problem || undefined}
        className="col-span-1"
        dataset={dataset}
        value={condition.column ?? ''}
        onChange={(column) => onChange({ ...condition, column })}
      />
      <Button
        variant="ghost"
        size="icon-sm"
        className="sm:order-last"
        onClick={onRemove}
        aria-label={`Remove ${label.toLowerCase()}`}
      >
        <X />
      </Button>
      <Select
        aria-label={`${label} operator`}
        className={cn(compact, 'col-span-1')}
        value={operator}
        onChange={(e) => {
          const next = e.target.value as DslFilterOperator;
          const value = valueFor(next, condition.value);
          const { value: _drop, ...rest } = condition;
          onChange(value === undefined ? { ...rest, operator: next } : { ...rest, operator: next, value });
        }}
      >
        {DSL_FILTER_OPERATORS.map((op) => (
          <option key={op} value={op}>
            {DSL_FILTER_OPERATOR_LABELS[op]}
          </option>
        ))}
      </Select>
      <div className="col-span-1">
        {NULLARY.has(operator) ? (
          <p className="flex h-8 items-center text-xs text-muted-foreground">No value needed</p>
        ) : operator === 'between' ? (
          <div className="grid grid-cols-2 gap-2">
            {[0, 1].map((i) => {
              const pair = Array.isArray(condition.value) ? condition.value : [];
              return (
                <ParsedInput
                  key={i}
                  aria-label={`${label} ${i === 0 ? 'from' : 'to'}`}
                  placeholder={i === 0 ? 'From' : 'To'}
                  value={pair[i] ?? ''}
                  parse={scalar}
                  show={showScalar}
                  onChange={(v) => {
                    const next = [pair[0] ?? '', pair[1] ?? ''];
                    next[i] = v;
                    onChange({ ...condition, value: next as DslScalar[] });
                  }}
                />
              );
            })}
          </div>
        ) : operator === 'in' || operator === 'not_in' ? (
          <ParsedInput
            aria-label={`${label} values`}
            placeholder="Values, separated by commas"
            value={Array.isArray(condition.value) ? condition.value : []}
            parse={(text) =>
              text
                .split(',')
                .map((s) => s.trim())
                .filter(Boolean)
                .map(scalar)
            }
            show={(list) => list.map(showScalar).join(', ')}
            onChange={(value) => onChange({ ...condition, value })}
          />
        ) : (
          <ParsedInput
            aria-label={`${label} value`}
            placeholder="Value"
            value={Array.isArray(condition.value) ? '' : (condition.value ?? '')}
            parse={scalar}
            show={showScalar}
            onChange={(value) => onChange({ ...condition, value })}
          />
        )}
      </div>
    </li>
  );
}

/**
 * The conditions of a filter: each a column, an operator and a value; all must hold. An "any of"
 * group holds when one of its conditions does (OR).
 */
export function ConditionsEditor({
  value,
  onChange,
  dataset,
  problemIndexes,
}: {
  value: Entry[];
  onChange: (value: Entry[]) => void;
  dataset: SchemaDataset | undefined;
  /** Conditions (by index) an issue names. */
  problemIndexes: Set<number>;
}) {
  const blank = (): Condition => ({ column: '', operator: 'equals', value: '' });
  const set = (index: number, entry: Entry) => onChange(value.map((e, i) => (i === index ? entry : e)));
  const remove = (index: number) => onChange(value.filter((_, i) => i !== index));
  return (
    <div className="space-y-2">
      {value.length === 0 ? (
        <p className="text-xs text-muted-foreground">No conditions yet: every row is kept.</p>
      ) : null}
      <ol className="space-y-2" aria-label="Conditions">
        {value.map((entry, index) => {
          const label = `Condition ${index + 1}`;
          if (!isGroup(entry)) {
            return (
              <ConditionRow
                // biome-ignore lint/suspicious/noArrayIndexKey: conditions have no identity beyond their place
                key={index}
                condition={entry}
                label={label}
                dataset={dataset}
                problem={problemIndexes.has(index)}
                onChange={(next) => set(index, next)}
                onRemove={() => remove(index)}
              />
            );
          }
          return (
            // biome-ignore lint/suspicious/noArrayIndexKey: as above
            <li key={index} className="rounded-md border border-dashed border-border-strong bg-surface-muted p-2">
              <div className="mb-2 flex items-center justify-between gap-2">
                <p className="text-xs font-semibold text-muted-foreground">
                  {label}: any of these holds <span className="font-normal">(OR)</span>
                </p>
                <Button
                  variant="ghost"
                  size="icon-sm"
                  onClick={() => remove(index)}
                  aria-label={`Remove ${label.toLowerCase()}`}
                >
                  <X />
                </Button>
              </div>
              <ol className="space-y-2">
                {entry.any.map((condition, j) => (
                  <ConditionRow
                    // biome-ignore lint/suspicious/noArrayIndexKey: as above
                    key={j}
                    condition={condition}
                    label={`${label}, option ${j + 1}`}
                    dataset={dataset}
                    problem={problemIndexes.has(index)}
                    onChange={(next) => set(index, { any: entry.any.map((c, k) => (k === j ? next : c)) })}
                    onRemove={() =>
                      entry.any.length > 1 ? set(index, { any: entry.any.filter((_, k) => k !== j) }) : remove(index)
                    }
                  />
                ))}
              </ol>
              <Button
                variant="ghost"
                size="sm"
                className="mt-2"
                onClick={() => set(index, { any: [...entry.any, blank()] })}
              >
                <Plus />
                Or…
              </Button>
            </li>
          );
        })}
      </ol>
      <div className="flex flex-wrap gap-2">
        <Button variant="secondary" size="sm" onClick={() => onChange([...value, blank()])}>
          <Plus />
          Add condition
        </Button>
        <Button variant="ghost" size="sm" onClick={() => onChange([...value, { any: [blank(), blank()] }])}>
          <ListPlus />
          Add “any of” group
        </Button>
      </div>
    </div>
  );
}
