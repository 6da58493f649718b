import { DslBody, describeDslIssues } from '@cdp/contracts';
import { type PipelineCheck, type PipelineColumn, PipelineDefinitionError } from '../executor.ts';
import { type Dataset, type Issue, planStep, StepIssues, type StepPlan, type Workspace } from './plan-step.ts';
import { columnType, type DslColumn, quoteIdent, toPipelineColumns } from './types.ts';

/** What a check needs of an input: its name in the definition and its columns. */
export interface DslInputSchema {
  name: string;
  columns: PipelineColumn[];
}

/** The body parsed with the contract, or its problems as `steps[3].parameters.columns: choose at least one column`. */
export function parseDslBody(body: unknown): { body: DslBody; issues: [] } | { body: undefined; issues: Issue[] } {
  const parsed = DslBody.safeParse(body);
  if (parsed.success) return { body: parsed.data, issues: [] };
  return {
    body: undefined,
    issues: describeDslIssues(body, parsed.error.issues).map((issue) => ({
      path: issue.path || 'body',
      message: issue.message,
    })),
  };
}

export function inputRelation(index: number): string {
  return quoteIdent(`in_${index}`);
}

/** The datasets a run starts with: one per input, under the name the definition uses. */
export function inputWorkspace(inputs: DslInputSchema[], issues: Issue[]): Workspace {
  const workspace: Workspace = new Map();
  inputs.forEach((input, i) => {
    const key = input.name.toLowerCase();
    if (workspace.has(key)) issues.push({ path: `inputs[${i}].name`, message: `two inputs are named "${input.name}"` });
    const columns: DslColumn[] = input.columns.map((c) => ({
      name: c.name,
      type: columnType(c.type),
      ...(c.label ? { label: c.label } : {}),
    }));
    workspace.set(key, { name: input.name, relation: inputRelation(i), columns });
  });
  return workspace;
}

/** Records a step's result in the workspace (a dataset replaced or created; saves change nothing). */
export function applyPlan(workspace: Workspace, plan: StepPlan, index: number, relation: string): void {
  if (plan.kind === 'save') return;
  const key = plan.target.toLowerCase();
  const name = workspace.get(key)?.name ?? plan.target;
  const dataset: Dataset = { name, relation, columns: plan.columns, changedAt: index };
  if (plan.open) dataset.open = plan.open;
  workspace.set(key, dataset);
}

const NOTHING_SAVED = 'the pipeline saves nothing: add a "Save as output" step (save_dataset)';

/**
 * The save-time check: the body against the contract, then every step against the columns the
 * steps before it produced. Returns every problem found (a broken step does not hide the next
 * step's problems unless they follow from it) and the outputs the pipeline would save.
 */
export function checkDsl(body: unknown, inputs: DslInputSchema[]): PipelineCheck {
  const parsed = parseDslBody(body);
  if (!parsed.body) return { issues: parsed.issues, outputs: [] };
  const issues: Issue[] = [];
  const workspace = inputWorkspace(inputs, issues);
  const saved = new Set<string>();
  const outputs: PipelineCheck['outputs'] = [];
  parsed.body.steps.forEach((step, index) => {
    let plan: StepPlan;
    try {
      plan = planStep(step, { index, workspace, saved });
    } catch (error) {
      if (!(error instanceof StepIssues)) throw error;
      issues.push(...error.issues);
      // Later steps should not repeat this one's error: what it makes is unknown, so anything goes.
      const target = failedTarget(step);
      if (target) {
        const known = workspace.get(target.toLowerCase());
        workspace.set(target.toLowerCase(), {
          name: known?.name ?? target,
          relation: `t${index}`,
          columns: known?.columns ?? [],
          changedAt: index,
          open: 'string',
        });
      }
      return;
    }
    if (plan.kind === 'save') {
      saved.add(plan.target.toLowerCase());
      outputs.push({ name: plan.target, columns: toPipelineColumns(plan.columns) });
    }
    applyPlan(workspace, plan, index, `t${index}`);
  });
  if (outputs.length === 0 && issues.length === 0) issues.push({ path: 'steps', message: NOTHING_SAVED });
  return { issues, outputs };
}

function failedTarget(step: DslBody['steps'][number]): string | undefined {
  const p = step.parameters as Record<string, unknown>;
  if (step.operation === 'save_dataset') return undefined;
  const name = (p.output_name ?? p.dataset) as unknown;
  return typeof name === 'string' ? name : undefined;
}

/** Throws `PipelineDefinitionError` when the check finds anything. */
export function assertDsl(body: unknown, inputs: DslInputSchema[], options: { needsOutput?: boolean } = {}): DslBody {
  const check = checkDsl(body, inputs);
  // A preview shows a step's rows before the definition is finished: saving nothing yet is fine there.
  const issues =
    options.needsOutput === false ? check.issues.filter((issue) => issue.message !== NOTHING_SAVED) : check.issues;
  if (issues.length > 0) throw new PipelineDefinitionError(issues);
  return DslBody.parse(body);
}
