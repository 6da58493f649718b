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
export function placeIssue(issue: PipelineCheckIssue): PlacedIssue {
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
