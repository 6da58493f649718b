import type { SqlStatement } from '@cdp/contracts';
import { AlertCircle, Plus, Trash2 } from 'lucide-react';
import { Button } from '../../../../components/ui/button.tsx';
import { Checkbox } from '../../../../components/ui/checkbox.tsx';
import { cn } from '../../../../lib/cn.ts';
import type { PlacedIssue } from '../../lib/issues.ts';
import { SmallInput } from '../dsl/field-controls.tsx';
import { LazyCodeEditor } from '../lazy-code-editor.tsx';

export interface SqlBodyDraft {
  statements: SqlStatement[];
  outputs?: string[];
}

/**
 * SQL pipelines: named SELECT statements, each a view the later ones (and the outputs) can read.
 * The inputs and their columns are offered as completions.
 */
export function SqlEditor({
  body,
  onChange,
  schema,
  issues,
  readOnly,
}: {
  body: SqlBodyDraft;
  onChange: (body: SqlBodyDraft) => void;
  schema: Record<string, string[]>;
  issues: PlacedIssue[];
  readOnly?: boolean;
}) {
  const outputs = body.outputs ?? body.statements.map((s) => s.name);
  const setStatement = (index: number, statement: SqlStatement) => {
    const old = body.statements[index]?.name;
    const statements = body.statements.map((s, i) => (i === index ? statement : s));
    const nextOutputs = outputs.map((o) => (o === old ? statement.name : o));
    onChange({ statements, outputs: nextOutputs });
  };
  // Earlier statements are tables too, for completion.
  const schemaAt = (index: number) => ({
    ...schema,
    ...Object.fromEntries(body.statements.slice(0, index).map((s) => [s.name, [] as string[]])),
  });
  const other = issues.filter((i) => i.statement === null);

  return (
    <div className="divide-y divide-border">
      {other.length > 0 ? (
        <div role="alert" className="space-y-1 bg-destructive-soft px-5 py-3">
          {other.map((i) => (
            <p key={i.path + i.message} className="flex gap-1.5 text-[13px] text-destructive-soft-foreground">
              <AlertCircle className="mt-0.5 size-3.5 shrink-0" aria-hidden />
              {i.path ? <span className="font-mono text-xs">{i.path}:</span> : null} {i.message}
            </p>
          ))}
        </div>
      ) : null}
      {body.statements.map((statement, index) => {
        const problems = issues.filter((i) => i.statement === index);
        const isOutput = outputs.includes(statement.name);
        return (
          <section
            // biome-ignore lint/suspicious/noArrayIndexKey: statements are edited in place
            key={index}
            aria-label={`Statement ${index + 1}`}
            className="space-y-2 px-5 py-4"
            data-statement={index}
          >
            <div className="flex flex-wrap items-center gap-3">
              <span className="flex size-5 items-center justify-center rounded-full bg-slate-200 text-[11px] font-semibold text-slate-600">
                {index + 1}
              </span>
              <SmallInput
                aria-label={`Statement ${index + 1} name`}
                className="w-56 font-mono"
                value={statement.name}
                disabled={readOnly}
                onChange={(e) => setStatement(index, { ...statement, name: e.target.value })}
              />
              <div className="flex items-center gap-2 text-[13px]">
                <Checkbox
                  id={`statement-output-${index}`}
                  checked={isOutput}
                  disabled={readOnly}
                  onCheckedChange={(checked) =>
                    onChange({
                      ...body,
                      outputs: checked
                        ? [...outputs.filter((o) => o !== statement.name), statement.name]
                        : outputs.filter((o) => o !== statement.name),
                    })
                  }
                />
                <label htmlFor={`statement-output-${index}`}>Save as output</label>
              </div>
              {readOnly || body.statements.length < 2 ? null : (
                <Button
                  variant="ghost"
                  size="sm"
                  className="ml-auto text-destructive hover:bg-destructive-soft"
                  onClick={() =>
                    onChange({
                      statements: body.statements.filter((_, i) => i !== index),
                      outputs: outputs.filter((o) => o !== statement.name),
                    })
                  }
                >
                  <Trash2 />
                  Remove
                </Button>
              )}
            </div>
            <LazyCodeEditor
              language="sql"
              label={`SQL of statement ${index + 1}`}
              value={statement.sql}
              onChange={(sql) => setStatement(index, { ...statement, sql })}
              schema={schemaAt(index)}
              readOnly={readOnly}
              invalid={problems.length > 0}
              minHeight={140}
              testId={`sql-statement-${index}`}
              placeholder="SELECT … FROM DM WHERE …"
            />
            {problems.length > 0 ? (
              <div role="alert" className={cn('space-y-0.5')}>
                {problems.map((i) => (
                  <p key={i.path + i.message} className="flex gap-1.5 text-[13px] text-destructive">
                    <AlertCircle className="mt-0.5 size-3.5 shrink-0" aria-hidden />
                    {i.message}
                  </p>
                ))}
              </div>
            ) : null}
          </section>
        );
      })}
      {readOnly ? null : (
        <div className="px-5 py-3">
          <Button
            variant="secondary"
            size="sm"
            onClick={() =>
              onChange({
                statements: [...body.statements, { name: `step_${body.statements.length + 1}`, sql: '' }],
                outputs,
              })
            }
          >
            <Plus />
            Add statement
          </Button>
        </div>
      )}
    </div>
  );
}
