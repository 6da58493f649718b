import type { PipelineCheckIssue } from '@cdp/contracts';

/** A check issue placed where the editor shows it: a step (0-based) and a parameter of it, or the definition. */
export interface PlacedIssue extends PipelineCheckIssue {
  /** 0-based step, or null for the definition as a whole (inputs, outputs, body). */
  step: number | null;
  /** The step's parameter the issue names (`conditions`), or null for the step itself. */
  parameter: string | null;
  /** The rest of the path inside that parameter (`[1].column`), for the message. */
  detail: string;
  /** 0-based statement of a SQL pipeline, when the issue names one. */
  statement: number | null;
}

/**
 * Where an issue belongs, from its path: `steps[3].parameters.conditions[1].column` is step 3,
 * parameter `conditions`; `body.` in front (as a save's errors write it) is ignored;
 * `statements[1].sql` is SQL statement 1.
 */
export function placeIssue(checked: PipelineCheckIssue): PlacedIssue {
  const issue = { ...checked, message: countStepsFromOne(checked.message) };
  const path = issue.path.replace(/^body\.?/, '');
  const step = /^steps\[(\d+)\](?:\.parameters(?:\.([A-Za-z_][A-Za-z0-9_]*))?(.*))?/.exec(path);
  if (step) {
    return {
      ...issue,
      step: Number(step[1]),
      parameter: step[2] ?? null,
      detail: step[3] ?? '',
      statement: null,
    };
  }
  const statement = /^statements\[(\d+)\]/.exec(path);
  return { ...issue, step: null, parameter: null, detail: '', statement: statement ? Number(statement[1]) : null };
}

export function placeIssues(issues: PipelineCheckIssue[]): PlacedIssue[] {
  return issues.map(placeIssue);
}

/**
 * The server counts steps from 0, as the paths do (`steps[3]…: no column "X" in DM (after step 2)`);
 * the editor numbers them from 1 ("Step 4"). A message shown beside a numbered step says the
 * step by the editor's number, or "after step 2" would point at the wrong step in the list.
 */
export function countStepsFromOne(message: string): string {
  return message.replace(/\(after step (\d+)\)/g, (_, n: string) => `(after step ${Number(n) + 1})`);
}

/**
 * Where inside a parameter an issue is, for a person: `[1].column` (the second sort key, measure
 * or conversion row) is "row 2, column"; `.AGE` (a conversion of AGE) is "AGE".
 */
export function detailLabel(detail: string): string {
  return detail
    .replace(/^\./, '')
    .split(/(?=\[)|\./)
    .filter(Boolean)
    .map((part) => {
      const index = /^\[(\d+)\]$/.exec(part);
      return index ? `row ${Number(index[1]) + 1}` : part;
    })
    .join(', ');
}

const DEFINITION_PLACES: Record<string, string> = {
  steps: 'Steps',
  outputs: 'Outputs',
  statements: 'Statements',
  script: 'Script',
  name: 'Name',
  inputs: 'Inputs',
};

/** The place of an issue not tied to a step, as a person reads it: `body.steps` is "Steps". */
export function definitionPlace(path: string): string {
  const bare = path.replace(/^body\.?/, '');
  return DEFINITION_PLACES[bare] ?? bare;
}
