import { readdir, rm, stat, utimes } from 'node:fs/promises';
import path from 'node:path';
import { phiSealedFiles } from '@cdp/db';
import { eq } from 'drizzle-orm';
import type { AppContext } from '../lib/context.ts';

/**
 * How long a sidecar replaced by a re-protection stays on disk. A reader (a request, an export job,
 * in this process or another API process) that loaded the version before the swap builds its SQL
 * with the old sidecar's path; the main file is replaced by a rename, so an open read keeps its
 * bytes, but a query that opens the files after the swap needs the old sidecar to still be there.
 * It holds only sealed values (AES-256-GCM), so keeping it a while exposes nothing. Long enough for
 * the longest export render; the hourly `data.sweep-temp` job removes it afterwards.
 */
export const RETIRED_SIDECAR_GRACE_MINUTES = 30;

/** A sidecar's name: `<dataset>.phi-<12 hex>.parquet` (seal-files.ts). */
const SIDECAR = /\.phi-[0-9a-f]{12}\.parquet$/;

/**
 * Marks a sidecar replaced by a re-protection as retired now (its modification time), instead of
 * removing it at once: readers that loaded the version before the swap still find it.
 */
export async function retireSidecar(file: string, now = new Date()): Promise<void> {
  await utimes(file, now, now).catch(() => undefined);
}

async function entries(dir: string) {
  return readdir(dir, { withFileTypes: true }).catch(() => []);
}

/**
 * Removes every sidecar that no `phi_sealed_files` row names and that was retired (or written)
 * longer ago than the grace period. One written by a re-protection still under way is not yet named
 * but is fresh, so the grace period keeps it too.
 */
export async function sweepRetiredSidecars(ctx: AppContext, now = Date.now()): Promise<{ removed: number }> {
  const root = path.join(ctx.config.dataDir, 'studies');
  const cutoff = now - RETIRED_SIDECAR_GRACE_MINUTES * 60_000;
  let removed = 0;
  for (const org of await entries(root)) {
    if (!org.isDirectory() || !/^[0-9a-f-]{36}$/.test(org.name)) continue;
    const named = new Set(
      (
        await ctx.database.tenant(org.name, (tx) =>
          tx.select({ sidecar: phiSealedFiles.sidecar }).from(phiSealedFiles).where(eq(phiSealedFiles.orgId, org.name)),
        )
      ).map((r) => path.join(ctx.config.dataDir, r.sidecar)),
    );
    const walk = async (dir: string): Promise<void> => {
      for (const entry of await entries(dir)) {
        const full = path.join(dir, entry.name);
        if (entry.isDirectory()) {
          await walk(full);
          continue;
        }
        if (!SIDECAR.test(entry.name) || named.has(full)) continue;
        const info = await stat(full).catch(() => null);
        if (info && info.mtimeMs < cutoff) {
          await rm(full, { force: true });
          removed += 1;
        }
      }
    };
    for (const study of await entries(path.join(root, org.name))) {
      if (!study.isDirectory()) continue;
      for (const kind of ['source_data', 'pipeline_output']) await walk(path.join(root, org.name, study.name, kind));
    }
  }
  return { removed };
}
