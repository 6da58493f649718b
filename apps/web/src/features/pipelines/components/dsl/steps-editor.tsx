import { DSL_OPERATION_NAMES, DSL_OPERATIONS, type DslOperationName, type DslStepInput } from '@cdp/contracts';
import { AlertCircle, ArrowDown, ArrowUp, Eye, ListOrdered, Plus, Trash2 } from 'lucide-react';
import { Button } from '../../../../components/ui/button.tsx';
import {
  DropdownMenu,
  DropdownMenuContent,
  DropdownMenuItem,
  DropdownMenuTrigger,
} from '../../../../components/ui/dropdown-menu.tsx';
import { EmptyState } from '../../../../components/ui/empty-state.tsx';
import { Tooltip } from '../../../../components/ui/tooltip.tsx';
import { cn } from '../../../../lib/cn.ts';
import { type SchemaEnv, stepTarget } from '../../lib/dsl-schema.ts';
import { definitionPlace, type PlacedIssue } from '../../lib/issues.ts';
import { StepForm } from './step-form.tsx';

type Params = Record<string, unknown>;

/** A new step of `operation`, reading `dataset` (the one the selected step wrote). */
export function newStep(operation: DslOperationName, dataset: string): DslStepInput {
  const parameters: Params =
    operation === 'merge_datasets'
      ? { left: dataset, right: '', on: [], output_name: '' }
      : operation === 'aggregate'
        ? { dataset, group_by: [], measures: [] }
        : { dataset };
  return { operation, parameters } as DslStepInput;
}

/** A step in a few words: "Filter rows · DM", "Save as output · DM → dm_clean". */
export function stepSummary(step: DslStepInput): string {
  const p = (step.parameters ?? {}) as Params;
  const info = DSL_OPERATIONS[step.operation as DslOperationName];
  const target = stepTarget(step);
  if (step.operation === 'merge_datasets') {
    return `${String(p.left || '?')} + ${String(p.right || '?')}${target ? ` → ${target}` : ''}`;
  }
  const source = String(p.dataset ?? '') || '?';
  if (step.operation === 'add_calculated_column' && p.column_name) return `${source} · ${String(p.column_name)}`;
  return target && target.toLowerCase() !== source.toLowerCase() ? `${source} → ${target}` : info ? source : '';
}

interface StepsEditorProps {
  steps: DslStepInput[];
  onChange: (steps: DslStepInput[]) => void;
  selected: number;
  onSelect: (index: number) => void;
  /** The datasets before each step (index i) and after the last (index n). */
  envs: SchemaEnv[];
  issues: PlacedIssue[];
  /** Shows the rows after a step in the preview. */
  onPreview: (index: number) => void;
  previewStep: number | null;
  readOnly?: boolean;
}

/**
 * The DSL as a visual list of steps: select one to edit it in its form, add a step after it,
 * move it up or down, remove it, preview the rows after it. A step an issue names is marked.
 */
export function StepsEditor({
  steps,
  onChange,
  selected,
  onSelect,
  envs,
  issues,
  onPreview,
  previewStep,
  readOnly = false,
}: StepsEditorProps) {
  const issuesOf = (index: number) => issues.filter((i) => i.step === index);
  const current = steps[selected];
  const move = (from: number, to: number) => {
    if (to < 0 || to >= steps.length) return;
    const next = [...steps];
    const [step] = next.splice(from, 1);
    if (step) next.splice(to, 0, step);
    onChange(next);
    onSelect(to);
  };
  const add = (operation: DslOperationName) => {
    const at = steps.length === 0 ? 0 : selected + 1;
    const dataset = (current ? stepTarget(current) : '') || [...(envs[at]?.values() ?? [])][0]?.name || '';
    const next = [...steps];
    next.splice(
      at,
      0,
      newStep(operation, operation === 'save_dataset' ? (current ? stepTarget(current) : dataset) : dataset),
    );
    onChange(next);
    onSelect(at);
  };
  const remove = (index: number) => {
    onChange(steps.filter((_, i) => i !== index));
    onSelect(Math.max(0, Math.min(index, steps.length - 2)));
  };

  const addMenu = (
    <DropdownMenu>
      <DropdownMenuTrigger asChild>
        <Button variant={steps.length === 0 ? 'primary' : 'secondary'} size="sm" disabled={readOnly}>
          <Plus />
          Add step
        </Button>
      </DropdownMenuTrigger>
      <DropdownMenuContent align="start" className="w-80">
        {DSL_OPERATION_NAMES.map((operation) => (
          <DropdownMenuItem key={operation} onSelect={() => add(operation)} className="flex-col items-start gap-0.5">
            <span className="font-medium">{DSL_OPERATIONS[operation].label}</span>
            <span className="text-xs text-muted-foreground">{DSL_OPERATIONS[operation].description}</span>
          </DropdownMenuItem>
        ))}
      </DropdownMenuContent>
    </DropdownMenu>
  );

  if (steps.length === 0) {
    return (
      <EmptyState
        icon={ListOrdered}
        title="No steps yet"
        description="Add the first step: filter rows, add a calculated column, merge datasets… End with “Save as output” to keep a result."
        action={addMenu}
      />
    );
  }

  return (
    <div className="grid lg:grid-cols-[18rem_minmax(0,1fr)]">
      <div className="border-b border-border bg-surface-muted lg:border-r lg:border-b-0">
        <ol className="space-y-1 p-2" aria-label="Steps">
          {steps.map((step, index) => {
            const info = DSL_OPERATIONS[step.operation as DslOperationName];
            const problems = issuesOf(index);
            const active = index === selected;
            return (
              // biome-ignore lint/suspicious/noArrayIndexKey: a step's place is its identity in the editor
              <li key={index} data-step={index} data-invalid={problems.length > 0 || undefined}>
                <button
                  type="button"
                  onClick={() => onSelect(index)}
                  aria-current={active ? 'step' : undefined}
                  aria-label={`Step ${index + 1}: ${info?.label ?? step.operation}${problems.length ? `, ${problems.length} problem${problems.length > 1 ? 's' : ''}` : ''}`}
                  className={cn(
                    'flex w-full items-start gap-2.5 rounded-md border px-2.5 py-2 text-left transition-colors focus-visible:outline-2 focus-visible:outline-ring',
                    active
                      ? 'border-primary/40 bg-surface shadow-card ring-1 ring-primary/20'
                      : 'border-transparent hover:bg-surface',
                    problems.length > 0 && 'border-red-300',
                  )}
                >
                  <span
                    className={cn(
                      'mt-0.5 flex size-5 shrink-0 items-center justify-center rounded-full text-[11px] font-semibold tabular-nums',
                      problems.length > 0
                        ? 'bg-destructive text-white'
                        : active
                          ? 'bg-primary text-primary-foreground'
                          : 'bg-slate-200 text-slate-600',
                    )}
                    aria-hidden
                  >
                    {problems.length > 0 ? '!' : index + 1}
                  </span>
                  <span className="min-w-0 flex-1">
                    <span className="block truncate text-[13px] font-medium">{info?.label ?? step.operation}</span>
                    <span className="block truncate font-mono text-xs text-muted-foreground">{stepSummary(step)}</span>
                  </span>
                  {previewStep === index ? (
                    <Eye className="mt-0.5 size-3.5 shrink-0 text-primary" aria-label="Previewed" />
                  ) : null}
                </button>
              </li>
            );
          })}
        </ol>
        <div className="border-t border-border p-2">{addMenu}</div>
      </div>
      {current ? (
        <section aria-label={`Step ${selected + 1}`} className="min-w-0">
          <div className="flex flex-wrap items-start justify-between gap-3 border-b border-border px-5 py-3">
            <div className="min-w-0">
              <h3 className="text-sm font-semibold">
                Step {selected + 1}: {DSL_OPERATIONS[current.operation as DslOperationName]?.label}
              </h3>
              <p className="text-xs text-muted-foreground">
                {DSL_OPERATIONS[current.operation as DslOperationName]?.description}
              </p>
            </div>
            <div className="flex items-center gap-1">
              <Button variant="secondary" size="sm" onClick={() => onPreview(selected)}>
                <Eye />
                Preview
              </Button>
              {readOnly ? null : (
                <>
                  <Tooltip content="Move up">
                    <Button
                      variant="ghost"
                      size="icon-sm"
                      onClick={() => move(selected, selected - 1)}
                      disabled={selected === 0}
                      aria-label={`Move step ${selected + 1} up`}
                    >
                      <ArrowUp />
                    </Button>
                  </Tooltip>
                  <Tooltip content="Move down">
                    <Button
                      variant="ghost"
                      size="icon-sm"
                      onClick={() => move(selected, selected + 1)}
                      disabled={selected === steps.length - 1}
                      aria-label={`Move step ${selected + 1} down`}
                    >
                      <ArrowDown />
                    </Button>
                  </Tooltip>
                  <Tooltip content="Remove step">
                    <Button
                      variant="ghost"
                      size="icon-sm"
                      className="text-destructive hover:bg-destructive-soft"
                      onClick={() => remove(selected)}
                      aria-label={`Remove step ${selected + 1}`}
                    >
                      <Trash2 />
                    </Button>
                  </Tooltip>
                </>
              )}
            </div>
          </div>
          <fieldset disabled={readOnly} className="min-w-0 px-5 py-4">
            <legend className="sr-only">Parameters of step {selected + 1}</legend>
            <StepForm
              key={selected}
              step={current}
              onChange={(step) => onChange(steps.map((s, i) => (i === selected ? step : s)))}
              env={envs[selected] ?? new Map()}
              issues={issuesOf(selected)}
            />
          </fieldset>
        </section>
      ) : null}
    </div>
  );
}

/** Issues not tied to a step (inputs, outputs), shown above the steps. */
export function DefinitionIssues({ issues }: { issues: PlacedIssue[] }) {
  if (issues.length === 0) return null;
  return (
    <div role="alert" className="space-y-1 border-b border-red-200 bg-destructive-soft px-5 py-3">
      {issues.map((issue) => (
        <p
          key={issue.path + issue.message}
          className="flex items-start gap-1.5 text-[13px] text-destructive-soft-foreground"
        >
          <AlertCircle className="mt-0.5 size-3.5 shrink-0" aria-hidden />
          <span>
            {issue.path ? <span className="font-medium">{definitionPlace(issue.path)}: </span> : null}
            {issue.message}
          </span>
        </p>
      ))}
    </div>
  );
}
