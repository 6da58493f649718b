import { readdir, rm, stat } from 'node:fs/promises';
import path from 'node:path';
import type { AppContext } from '../../lib/context.ts';

/**
 * What an upload or export leaves in a study's `temp/` when the process dies mid-way (a crash, a
 * kill -9): partial uploads, half-converted versions, spill files. They may hold clinical data, so
 * they do not stay. An entry untouched this long cannot belong to work still running.
 */
export const TEMP_MAX_AGE_HOURS = 24;

export async function sweepTemp(ctx: AppContext, now = Date.now()): Promise<{ removed: number }> {
  const root = path.join(ctx.config.dataDir, 'studies');
  const cutoff = now - TEMP_MAX_AGE_HOURS * 3_600_000;
  let removed = 0;
  for (const org of await subfolders(root)) {
    for (const study of await subfolders(path.join(root, org))) {
      const temp = path.join(root, org, study, 'temp');
      for (const entry of await subfolders(temp, true)) {
        const full = path.join(temp, entry);
        const info = await stat(full).catch(() => null);
        if (info && info.mtimeMs < cutoff) {
          await rm(full, { recursive: true, force: true });
          removed++;
        }
      }
    }
  }
  return { removed };
}

async function subfolders(dir: string, includeFiles = false): Promise<string[]> {
  const entries = await readdir(dir, { withFileTypes: true }).catch(() => []);
  return entries.filter((e) => includeFiles || e.isDirectory()).map((e) => e.name);
}
