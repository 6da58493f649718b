import { randomUUID } from 'node:crypto';
import { rm } from 'node:fs/promises';
import path from 'node:path';
import type { PipelinePreviewResponse, PreviewPipelineBody } from '@cdp/contracts';
import type { PipelineInputJson } from '@cdp/db';
import type { z } from 'zod';
import { AppError } from '../lib/app-error.ts';
import type { AppContext } from '../lib/context.ts';
import { runTempName } from '../lib/process-run.ts';
import { studyDir } from '../lib/study-folders.ts';
import type { PhiAccess } from '../phi/protect-version.ts';
import { engineOf } from './executors.ts';
import { resolveInputs } from './resolve-inputs.ts';

/** A preview never runs longer than this: the editor asks again after the next change. */
const PREVIEW_TIMEOUT_MS = 20_000;

/** The DSL editor's preview: the first rows after one step, computed by the DSL engine on the real input files. */
export async function previewStep(
  ctx: AppContext,
  orgId: string,
  study: { id: string; activeDataVersionId: string | null },
  request: z.infer<typeof PreviewPipelineBody>,
  access: PhiAccess,
): Promise<PipelinePreviewResponse> {
  const engine = engineOf('dsl');
  if (!engine?.preview) throw new AppError('INVALID_STATE', 'This server has no DSL engine with a preview.');
  const scratch = path.join(
    studyDir(ctx.config.dataDir, orgId, study.id),
    'temp',
    runTempName(`preview-inputs-${randomUUID()}`),
  );
  try {
    const resolved = await resolveInputs(ctx, orgId, study, request.inputs as PipelineInputJson[], access, {
      clearCopiesIn: scratch,
    });
    if (resolved.issues.length > 0) {
      return { dataset: null, columns: [], rows: [], total: null, issues: resolved.issues };
    }
    const signal = AbortSignal.timeout(PREVIEW_TIMEOUT_MS);
    const result = await engine.preview({
      body: request.body,
      inputs: resolved.inputs,
      step: request.step,
      limit: request.limit,
      signal,
    });
    return { ...result, rows: result.rows.slice(0, request.limit) };
  } finally {
    // Clear copies of inputs whose PHI is sealed at rest live only for the preview.
    await rm(scratch, { recursive: true, force: true });
  }
}
