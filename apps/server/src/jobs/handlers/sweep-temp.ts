import { readdir, rm, stat } from 'node:fs/promises';
import path from 'node:path';
import type { AppContext } from '../../lib/context.ts';
import { isRunAlive, runOfTempName } from '../../lib/process-run.ts';

/**
 * What an upload or export leaves in a study's `temp/` when the process dies mid-way (a crash, a
 * kill -9): partial uploads, half-converted versions, spill files. They may hold clinical data, so
 * they do not stay. An entry named by a run (`run-<id>--…`, see `lib/process-run.ts`) goes as soon
 * as that run no longer holds its lock; an entry without a run (written before runs were named)
 * goes once it is untouched this long, when it cannot belong to work still running.
 */
export const TEMP_MAX_AGE_HOURS = 24;

export interface SweepResult {
  /** Entries removed. */
  removed: number;
  /** Of those, entries of runs that are no longer running (removed at once). */
  ofStoppedRuns: number;
}

export async function sweepTemp(ctx: AppContext, now = Date.now()): Promise<SweepResult> {
  const root = path.join(ctx.config.dataDir, 'studies');
  const cutoff = now - TEMP_MAX_AGE_HOURS * 3_600_000;
  const alive = new Map<string, boolean>();
  const result: SweepResult = { removed: 0, ofStoppedRuns: 0 };
  for (const org of await subfolders(root)) {
    for (const study of await subfolders(path.join(root, org))) {
      const temp = path.join(root, org, study, 'temp');
      for (const entry of await subfolders(temp, true)) {
        const full = path.join(temp, entry);
        const run = runOfTempName(entry);
        if (run) {
          if (!alive.has(run)) alive.set(run, await isRunAlive(ctx.database.pool, run));
          if (alive.get(run)) continue;
          await rm(full, { recursive: true, force: true });
          result.removed++;
          result.ofStoppedRuns++;
          continue;
        }
        const info = await stat(full).catch(() => null);
        if (info && info.mtimeMs < cutoff) {
          await rm(full, { recursive: true, force: true });
          result.removed++;
        }
      }
    }
  }
  return result;
}

export async function subfolders(dir: string, includeFiles = false): Promise<string[]> {
  const entries = await readdir(dir, { withFileTypes: true }).catch(() => []);
  return entries.filter((e) => includeFiles || e.isDirectory()).map((e) => e.name);
}
