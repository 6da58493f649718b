import {
  DSL_EXPRESSION_FUNCTIONS,
  DSL_OPERATIONS,
  type DslOperationName,
  type DslParameterInfo,
  type DslStepInput,
} from '@cdp/contracts';
import { AlertCircle } from 'lucide-react';
import { type ReactNode, useId, useRef } from 'react';
import { Disclosure } from '../../../../components/ui/disclosure.tsx';
import { Label } from '../../../../components/ui/label.tsx';
import { Select } from '../../../../components/ui/select.tsx';
import { Textarea } from '../../../../components/ui/textarea.tsx';
import { cn } from '../../../../lib/cn.ts';
import { lookup, type SchemaEnv } from '../../lib/dsl-schema.ts';
import { detailLabel, type PlacedIssue } from '../../lib/issues.ts';
import { ConditionsEditor } from './conditions-editor.tsx';
import {
  ColumnSelect,
  ColumnsInput,
  compact,
  ParsedInput,
  RowList,
  readScalar,
  SmallInput,
  showScalar,
  typeName,
} from './field-controls.tsx';

type Params = Record<string, unknown>;

const ENUM_LABELS: Record<string, string> = {
  first: 'First',
  last: 'Last',
  previous: 'Previous value',
  next: 'Next value',
  mean: 'Mean',
  median: 'Median',
  inner: 'Inner: matching rows only',
  left: 'Left: every left row',
  right: 'Right: every right row',
  outer: 'Outer: every row',
  count: 'Count',
  n_distinct: 'Distinct count',
  sum: 'Sum',
  min: 'Minimum',
  max: 'Maximum',
  std: 'Standard deviation',
  numeric: 'Number',
  integer: 'Integer',
  string: 'Text',
  boolean: 'Yes/no',
  date: 'Date',
  datetime: 'Date-time',
};
const enumLabel = (v: string) => ENUM_LABELS[v] ?? v;

function Field({
  info,
  name,
  issues,
  children,
}: {
  info: DslParameterInfo;
  name: string;
  issues: PlacedIssue[];
  children: (control: { id: string; invalid: boolean; describedBy: string }) => ReactNode;
}) {
  const id = useId();
  const mine = issues.filter((i) => i.parameter === name);
  return (
    <div className="space-y-1.5" data-parameter={name}>
      <Label htmlFor={id}>
        {info.label}
        {info.required ? null : <span className="ml-1 font-normal text-muted-foreground">(optional)</span>}
      </Label>
      {children({ id, invalid: mine.length > 0, describedBy: `${id}-hint${mine.length ? ` ${id}-error` : ''}` })}
      {mine.length > 0 ? (
        <div id={`${id}-error`} className="space-y-0.5" role="alert">
          {mine.map((issue) => (
            <p key={issue.path + issue.message} className="flex items-start gap-1.5 text-[13px] text-destructive">
              <AlertCircle className="mt-0.5 size-3.5 shrink-0" aria-hidden />
              <span>
                {issue.detail ? <span className="font-medium">{detailLabel(issue.detail)}: </span> : null}
                {issue.message}
              </span>
            </p>
          ))}
        </div>
      ) : null}
      <p id={`${id}-hint`} className="text-xs text-muted-foreground">
        {info.description}
      </p>
    </div>
  );
}

/** The conditions (by index) an issue of the `conditions` parameter names. */
function conditionIndexes(issues: PlacedIssue[]): Set<number> {
  const out = new Set<number>();
  for (const issue of issues) {
    const m = issue.parameter === 'conditions' ? /^\[(\d+)\]/.exec(issue.detail) : null;
    if (m) out.add(Number(m[1]));
  }
  return out;
}

function ExpressionField({
  id,
  invalid,
  describedBy,
  value,
  onChange,
  columns,
}: {
  id: string;
  invalid: boolean;
  describedBy: string;
  value: string;
  onChange: (value: string) => void;
  columns: { name: string; type: string }[];
}) {
  const area = useRef<HTMLTextAreaElement>(null);
  const insert = (text: string) => {
    const el = area.current;
    const start = el?.selectionStart ?? value.length;
    const end = el?.selectionEnd ?? value.length;
    onChange(value.slice(0, start) + text + value.slice(end));
    requestAnimationFrame(() => {
      el?.focus();
      el?.setSelectionRange(start + text.length, start + text.length);
    });
  };
  return (
    <div className="space-y-2">
      <Textarea
        ref={area}
        id={id}
        aria-invalid={invalid || undefined}
        aria-describedby={describedBy}
        rows={3}
        spellCheck={false}
        className="font-mono text-[13px]"
        placeholder="e.g. if(AGE >= 65, 'Y', 'N')"
        value={value}
        onChange={(e) => onChange(e.target.value)}
      />
      <Disclosure title="Columns and functions" className="text-[13px]">
        <div className="space-y-3 pb-3">
          <div>
            <p className="mb-1.5 text-xs font-medium text-muted-foreground">Columns at this step (click to insert)</p>
            <div className="flex max-h-28 flex-wrap gap-1 overflow-y-auto">
              {columns.map((c) => (
                <button
                  key={c.name}
                  type="button"
                  onClick={() => insert(c.name)}
                  className="rounded border border-border bg-surface-muted px-1.5 py-0.5 font-mono text-xs hover:border-primary hover:text-primary"
                  title={typeName(c.type)}
                >
                  {c.name}
                </button>
              ))}
            </div>
          </div>
          <dl className="grid max-h-56 gap-x-4 gap-y-1.5 overflow-y-auto text-xs sm:grid-cols-[auto_1fr]">
            {Object.values(DSL_EXPRESSION_FUNCTIONS).map((fn) => (
              <div key={fn.signature} className="contents">
                <dt>
                  <button
                    type="button"
                    onClick={() => insert(fn.signature.replace(/\(.*\)$/, '('))}
                    className="font-mono text-primary hover:underline"
                  >
                    {fn.signature}
                  </button>
                </dt>
                <dd className="text-muted-foreground">{fn.description}</dd>
              </div>
            ))}
          </dl>
          <p className="text-xs text-muted-foreground">
            Also: + − * /, = != &lt; &lt;= &gt; &gt;=, and, or, not, text in 'single quotes', case when … then … else …
            end.
          </p>
        </div>
      </Disclosure>
    </div>
  );
}

/**
 * The form of one step, built from the operation's parameters in the DSL contract: a control per
 * parameter kind, column pickers offering the columns the previous steps left, and each issue
 * the server's check found under the parameter it names.
 */
export function StepForm({
  step,
  onChange,
  env,
  issues,
}: {
  step: DslStepInput;
  onChange: (step: DslStepInput) => void;
  /** The datasets before this step. */
  env: SchemaEnv;
  issues: PlacedIssue[];
}) {
  const operation = step.operation as DslOperationName;
  const info = DSL_OPERATIONS[operation];
  const params = (step.parameters ?? {}) as Params;
  const set = (name: string, value: unknown) => {
    const next = { ...params };
    if (
      value === undefined ||
      value === '' ||
      (Array.isArray(value) && value.length === 0 && !REQUIRED_LISTS.has(name))
    )
      delete next[name];
    else next[name] = value;
    onChange({ ...step, parameters: next } as DslStepInput);
  };
  const datasetNames = [...env.values()].map((d) => d.name);
  const datasetOf = (p: DslParameterInfo) => lookup(env, String(params[p.of ?? 'dataset'] ?? ''));
  const stepIssues = issues.filter((i) => i.parameter === null || !(i.parameter in info.parameters));

  return (
    <div className="space-y-4">
      {stepIssues.length > 0 ? (
        <div role="alert" className="space-y-1 rounded-md border border-red-200 bg-destructive-soft px-3 py-2">
          {stepIssues.map((issue) => (
            <p
              key={issue.path + issue.message}
              className="flex items-start gap-1.5 text-[13px] text-destructive-soft-foreground"
            >
              <AlertCircle className="mt-0.5 size-3.5 shrink-0" aria-hidden />
              {issue.message}
            </p>
          ))}
        </div>
      ) : null}
      <div className="grid gap-4 md:grid-cols-2">
        {Object.entries(info.parameters).map(([name, p]) => {
          const wide = !['dataset', 'new_dataset', 'new_column', 'enum', 'column', 'value', 'suffixes'].includes(
            p.kind,
          );
          return (
            <div key={name} className={cn(wide && 'md:col-span-2')}>
              <Field info={p} name={name} issues={issues}>
                {(control) => (
                  <ParameterControl
                    name={name}
                    info={p}
                    value={params[name]}
                    onChange={(v) => set(name, v)}
                    control={control}
                    datasetNames={datasetNames}
                    dataset={datasetOf(p)}
                    issues={issues.filter((i) => i.parameter === name)}
                  />
                )}
              </Field>
            </div>
          );
        })}
      </div>
    </div>
  );
}

/** Lists the contract requires even when empty (an aggregate over the whole dataset has no groups). */
const REQUIRED_LISTS = new Set(['group_by']);

function ParameterControl({
  name,
  info,
  value,
  onChange,
  control,
  datasetNames,
  dataset,
  issues,
}: {
  name: string;
  info: DslParameterInfo;
  value: unknown;
  onChange: (value: unknown) => void;
  control: { id: string; invalid: boolean; describedBy: string };
  datasetNames: string[];
  dataset: ReturnType<typeof lookup>;
  issues: PlacedIssue[];
}) {
  const common = {
    id: control.id,
    'aria-invalid': control.invalid || undefined,
    'aria-describedby': control.describedBy,
  };
  const text = typeof value === 'string' ? value : '';
  switch (info.kind) {
    case 'dataset':
      return (
        <Select
          {...common}
          className={compact}
          value={datasetNames.find((n) => n.toLowerCase() === text.toLowerCase()) ?? text}
          onChange={(e) => onChange(e.target.value)}
        >
          <option value="">Choose a dataset</option>
          {text && !datasetNames.some((n) => n.toLowerCase() === text.toLowerCase()) ? (
            <option value={text}>{text} (not available here)</option>
          ) : null}
          {datasetNames.map((n) => (
            <option key={n} value={n}>
              {n}
            </option>
          ))}
        </Select>
      );
    case 'new_dataset':
    case 'new_column':
      return (
        <SmallInput
          {...common}
          className="font-mono"
          value={text}
          spellCheck={false}
          placeholder={info.kind === 'new_dataset' ? 'e.g. dm_clean' : 'e.g. AGEGR1'}
          onChange={(e) => onChange(e.target.value)}
        />
      );
    case 'column':
      return <ColumnSelect {...common} dataset={dataset} value={text} onChange={onChange} />;
    case 'columns':
      return (
        <ColumnsInput
          id={control.id}
          invalid={control.invalid}
          describedBy={control.describedBy}
          label={info.label}
          dataset={dataset}
          value={Array.isArray(value) ? (value as string[]) : []}
          onChange={onChange}
        />
      );
    case 'enum':
      return (
        <Select {...common} className={compact} value={text} onChange={(e) => onChange(e.target.value || undefined)}>
          {info.required ? (
            <option value="">Choose…</option>
          ) : (
            <option value="">{info.default ? `${enumLabel(info.default)} (default)` : 'Default'}</option>
          )}
          {(info.options ?? []).map((o) => (
            <option key={o} value={o}>
              {enumLabel(o)}
            </option>
          ))}
        </Select>
      );
    case 'value':
      return (
        <ParsedInput
          {...common}
          value={value as string | number | boolean | undefined}
          placeholder="e.g. 0 or UNKNOWN"
          parse={(t) =>
            t.trim() === '' ? undefined : readScalar(t, /^-?\d+(\.\d+)?$/.test(t.trim()) ? 'number' : 'string')
          }
          show={showScalar}
          onChange={onChange}
        />
      );
    case 'expression':
      return <ExpressionField {...control} value={text} onChange={onChange} columns={dataset?.columns ?? []} />;
    case 'conditions':
      return (
        <ConditionsEditor
          value={Array.isArray(value) ? (value as never[]) : []}
          onChange={onChange}
          dataset={dataset}
          problemIndexes={conditionIndexes(issues)}
        />
      );
    case 'column_mapping':
    case 'conversions': {
      const entries = Object.entries((value ?? {}) as Record<string, string>);
      const rows = entries.map(([from, to]) => ({ from, to }));
      const write = (next: { from: string; to: string }[]) =>
        onChange(Object.fromEntries(next.map((r) => [r.from, r.to])));
      return (
        <PairRows
          rows={rows}
          onChange={write}
          dataset={dataset}
          label={info.label}
          kind={info.kind}
          options={info.options ?? []}
        />
      );
    }
    case 'measures': {
      type Measure = { column?: string; function: string; as: string };
      const rows = Array.isArray(value) ? (value as Measure[]) : [];
      return (
        <RowList<Measure>
          rows={rows}
          onChange={onChange}
          label="Measure"
          addLabel="Add measure"
          make={() => ({ function: 'count', as: '' })}
          render={(row, update, index) => (
            <>
              <Select
                aria-label={`Measure ${index + 1} function`}
                className={compact}
                value={row.function}
                onChange={(e) => update({ ...row, function: e.target.value })}
              >
                {(info.options ?? []).map((o) => (
                  <option key={o} value={o}>
                    {enumLabel(o)}
                  </option>
                ))}
              </Select>
              <ColumnSelect
                aria-label={`Measure ${index + 1} column`}
                dataset={dataset}
                value={row.column ?? ''}
                placeholder={row.function === 'count' ? 'Rows (no column)' : 'Choose a column'}
                onChange={(column) => {
                  const { column: _c, ...rest } = row;
                  update(column ? { ...rest, column } : rest);
                }}
              />
              <SmallInput
                aria-label={`Measure ${index + 1} result name`}
                className="font-mono"
                placeholder="Result name"
                value={row.as}
                onChange={(e) => update({ ...row, as: e.target.value })}
              />
            </>
          )}
        />
      );
    }
    case 'sort_columns': {
      type Key = { column: string; descending?: boolean };
      const rows = Array.isArray(value) ? (value as Key[]) : [];
      return (
        <RowList<Key>
          rows={rows}
          onChange={onChange}
          label="Sort key"
          addLabel="Add sort column"
          make={() => ({ column: '', descending: false })}
          render={(row, update, index) => (
            <>
              <ColumnSelect
                aria-label={`Sort key ${index + 1} column`}
                dataset={dataset}
                value={row.column}
                onChange={(column) => update({ ...row, column })}
              />
              <Select
                aria-label={`Sort key ${index + 1} direction`}
                className={compact}
                value={row.descending ? 'desc' : 'asc'}
                onChange={(e) => update({ ...row, descending: e.target.value === 'desc' })}
              >
                <option value="asc">Ascending</option>
                <option value="desc">Descending</option>
              </Select>
            </>
          )}
        />
      );
    }
    case 'suffixes': {
      const pair = Array.isArray(value) ? (value as string[]) : ['_x', '_y'];
      return (
        <div className="grid grid-cols-2 gap-2">
          {[0, 1].map((i) => (
            <SmallInput
              key={i}
              {...(i === 0 ? common : {})}
              aria-label={i === 0 ? `${info.label}: left` : `${info.label}: right`}
              className="font-mono"
              value={pair[i] ?? ''}
              onChange={(e) => {
                const next = [pair[0] ?? '_x', pair[1] ?? '_y'];
                next[i] = e.target.value;
                onChange(next);
              }}
            />
          ))}
        </div>
      );
    }
    default:
      return <p className="text-xs text-muted-foreground">This parameter ({name}) has no form yet.</p>;
  }
}

function PairRows({
  rows,
  onChange,
  dataset,
  label,
  kind,
  options,
}: {
  rows: { from: string; to: string }[];
  onChange: (rows: { from: string; to: string }[]) => void;
  dataset: ReturnType<typeof lookup>;
  label: string;
  kind: 'column_mapping' | 'conversions';
  options: readonly string[];
}) {
  const singular = kind === 'conversions' ? 'Conversion' : 'Rename';
  return (
    <RowList
      rows={rows}
      onChange={onChange}
      label={singular}
      addLabel={kind === 'conversions' ? 'Add conversion' : 'Add rename'}
      emptyText={`No ${label.toLowerCase()} yet.`}
      make={() => ({ from: '', to: kind === 'conversions' ? (options[0] ?? 'string') : '' })}
      render={(row, update, index) => (
        <>
          <ColumnSelect
            aria-label={`${singular} ${index + 1} column`}
            dataset={dataset}
            value={row.from}
            exclude={rows.map((r) => r.from)}
            onChange={(from) => update({ ...row, from })}
          />
          {kind === 'conversions' ? (
            <Select
              aria-label={`${singular} ${index + 1} type`}
              className={compact}
              value={row.to}
              onChange={(e) => update({ ...row, to: e.target.value })}
            >
              {options.map((o) => (
                <option key={o} value={o}>
                  {enumLabel(o)}
                </option>
              ))}
            </Select>
          ) : (
            <SmallInput
              aria-label={`${singular} ${index + 1} new name`}
              className="font-mono"
              placeholder="New name"
              value={row.to}
              onChange={(e) => update({ ...row, to: e.target.value })}
            />
          )}
        </>
      )}
    />
  );
}
