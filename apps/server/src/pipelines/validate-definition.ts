import type { PipelineCheckIssue, PipelineDefinitionData } from '@cdp/contracts';
import type { PipelineInputJson } from '@cdp/db';
import type { PipelineCheck } from '@cdp/pipelines';
import type { AppContext } from '../lib/context.ts';
import { PIPELINE_ENGINE } from '../phi/protect-version.ts';
import { engineOf } from './executors.ts';
import { resolveInputs } from './resolve-inputs.ts';

export interface DefinitionCheck {
  issues: PipelineCheckIssue[];
  outputs: PipelineCheck['outputs'];
}

/** The body's own paths are reported under `body.` so one list names every place in the definition. */
function underBody(issues: PipelineCheckIssue[]): PipelineCheckIssue[] {
  return issues.map((i) => ({ ...i, path: i.path.startsWith('body') ? i.path : `body.${i.path}` }));
}

/**
 * Checks a definition against the study's data as it is now: its inputs resolve (datasets of the
 * active source version, outputs of upstream pipelines), the engine of its kind accepts the body
 * against those inputs' schemas step by step, and it makes every declared output. An input from
 * an upstream pipeline that has not produced anything yet leaves the body unchecked until it has.
 */
export async function checkDefinition(
  ctx: AppContext,
  orgId: string,
  study: { id: string; activeDataVersionId: string | null },
  definition: Pick<PipelineDefinitionData, 'kind' | 'body' | 'inputs' | 'outputs'>,
): Promise<DefinitionCheck> {
  const engine = engineOf(definition.kind);
  if (!engine) {
    return {
      issues: [{ path: 'kind', message: `this server has no engine for ${definition.kind} pipelines` }],
      outputs: [],
    };
  }
  const resolved = await resolveInputs(ctx, orgId, study, definition.inputs as PipelineInputJson[], PIPELINE_ENGINE);
  const waiting = resolved.issues.filter((i) => i.message.endsWith('run it first'));
  const issues = resolved.issues.filter((i) => !waiting.includes(i));
  if (issues.length > 0 || waiting.length > 0) return { issues, outputs: [] };
  const check = await engine.check(
    definition.body,
    resolved.inputs.map(({ name, columns }) => ({ name, columns })),
    definition.outputs,
  );
  if (check.issues.length > 0) return { issues: underBody(check.issues), outputs: check.outputs };
  const made = new Set(check.outputs.map((o) => o.name.toUpperCase()));
  const missing = definition.outputs.flatMap((name, i) =>
    made.has(name.toUpperCase())
      ? []
      : [
          {
            path: `outputs[${i}]`,
            message: `the definition makes no dataset "${name}" (it makes: ${[...made].join(', ') || 'none'})`,
          },
        ],
  );
  return { issues: missing, outputs: check.outputs };
}
