import { DSL_OPERATIONS, type DslOperationName, type DslStepInput, type Pipeline } from '@cdp/contracts';
import { Card, CardHeader } from '../../../../components/ui/card.tsx';
import { stepSummary } from '../dsl/steps-editor.tsx';
import type { SqlBodyDraft } from '../editor/sql-editor.tsx';
import { LazyCodeEditor } from '../lazy-code-editor.tsx';

function describeStep(step: DslStepInput): string {
  const p = step.parameters as Record<string, unknown>;
  const list = (v: unknown) =>
    Array.isArray(v) ? v.map((x) => (typeof x === 'string' ? x : JSON.stringify(x))).join(', ') : '';
  switch (step.operation) {
    case 'select_columns':
    case 'drop_columns':
      return list(p.columns);
    case 'filter_rows':
      return list(p.conditions);
    case 'add_calculated_column':
      return `${String(p.column_name ?? '')} = ${String(p.expression ?? '')}`;
    case 'convert_types':
    case 'rename_columns':
      return JSON.stringify(p.conversions ?? p.mapping ?? {});
    case 'merge_datasets':
      return `on ${list(p.on)} (${String(p.how ?? 'inner')})`;
    case 'aggregate':
      return `by ${list(p.group_by) || 'all rows'}: ${list(p.measures)}`;
    default:
      return '';
  }
}

/** The saved definition, read-only: the steps in words, or the SQL and Python with highlighting. */
export function DefinitionView({ pipeline }: { pipeline: Pipeline }) {
  const body = (pipeline.body ?? {}) as Record<string, unknown>;
  return (
    <Card>
      <CardHeader title={`Definition (version ${pipeline.version})`} />
      {pipeline.kind === 'dsl' ? (
        <ol className="divide-y divide-border" aria-label="Steps">
          {((body.steps as DslStepInput[] | undefined) ?? []).map((step, index) => (
            // biome-ignore lint/suspicious/noArrayIndexKey: steps are shown in order
            <li key={index} className="flex gap-3 px-5 py-3">
              <span className="mt-0.5 flex size-5 shrink-0 items-center justify-center rounded-full bg-slate-200 text-[11px] font-semibold text-slate-600">
                {index + 1}
              </span>
              <div className="min-w-0 text-[13px]">
                <p>
                  <span className="font-medium">
                    {DSL_OPERATIONS[step.operation as DslOperationName]?.label ?? step.operation}
                  </span>{' '}
                  <span className="font-mono text-xs text-muted-foreground">{stepSummary(step)}</span>
                </p>
                {describeStep(step) ? (
                  <p className="truncate font-mono text-xs text-muted-foreground" title={describeStep(step)}>
                    {describeStep(step)}
                  </p>
                ) : null}
              </div>
            </li>
          ))}
        </ol>
      ) : pipeline.kind === 'sql' ? (
        <div className="space-y-4 px-5 py-4">
          {((body as unknown as SqlBodyDraft).statements ?? []).map((s) => (
            <div key={s.name} className="space-y-1.5">
              <p className="font-mono text-xs font-semibold">{s.name}</p>
              <LazyCodeEditor
                language="sql"
                label={`SQL of ${s.name}`}
                value={s.sql}
                onChange={() => {}}
                readOnly
                minHeight={60}
              />
            </div>
          ))}
        </div>
      ) : (
        <div className="px-5 py-4">
          <LazyCodeEditor
            language="python"
            label="Python script"
            value={String(body.script ?? '')}
            onChange={() => {}}
            readOnly
            minHeight={120}
          />
        </div>
      )}
    </Card>
  );
}
