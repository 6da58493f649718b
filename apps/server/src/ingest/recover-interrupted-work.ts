import { sweepTemp } from '../jobs/handlers/sweep-temp.ts';
import type { AppContext } from '../lib/context.ts';
import { sweepRetiredSidecars } from '../phi/retired-sidecars.ts';
import { quarantineOrphanVersions } from './orphan-versions.ts';

/**
 * What a process does before it takes work (start-up of `cdp start`, `cdp api`, `cdp worker`, and
 * the hourly sweep job): quarantine version folders no row names, then remove temp entries of runs
 * that are no longer running, and PHI sidecars retired by a re-protection past their grace period. Orphans first: a running process's "pending" note in temp/ is what
 * keeps its version folder from being taken for an orphan.
 */
export async function recoverInterruptedWork(ctx: AppContext) {
  const orphans = await quarantineOrphanVersions(ctx);
  const temp = await sweepTemp(ctx);
  const sidecars = await sweepRetiredSidecars(ctx);
  return {
    orphans: orphans.length,
    tempRemoved: temp.removed,
    tempOfStoppedRuns: temp.ofStoppedRuns,
    retiredSidecars: sidecars.removed,
  };
}
