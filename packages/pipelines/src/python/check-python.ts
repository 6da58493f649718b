import type { PipelineCheck } from '../executor.ts';
import { parsePythonBody } from './execute-python.ts';

/**
 * Save-time check of a Python pipeline: the body's shape only. A script's outputs and their columns
 * are known when it has run (checking more would mean running user code outside a run's sandbox).
 */
export function checkPython(body: unknown): PipelineCheck {
  try {
    const parsed = parsePythonBody(body);
    return { issues: [], outputs: (parsed.outputs ?? []).map((name) => ({ name, columns: [] })) };
  } catch (error) {
    return { issues: (error as { issues: PipelineCheck['issues'] }).issues, outputs: [] };
  }
}
