import { randomBytes } from 'node:crypto';
import { studyDataKeys } from '@cdp/db';
import { registerPhiDataKey } from '@cdp/formats';
import { and, eq } from 'drizzle-orm';
import type { AppContext } from '../lib/context.ts';
import { loadMasterKeyring, unwrapDataKey, wrapDataKey } from './master-key.ts';

/** Data key ids this process has unwrapped and registered with DuckDB's `cdp_phi_open`. */
const LOADED = new Set<string>();

/**
 * A study's PHI data key id, unwrapped and registered for `cdp_phi_open`/`cdp_phi_seal` in this
 * process; created (32 random bytes, wrapped by the master key) the first time a file of the study
 * is sealed. Only called for a reader cleared for the study's PHI, or by the sealing job.
 */
export async function studyDataKey(
  ctx: Pick<AppContext, 'config' | 'database'>,
  orgId: string,
  studyId: string,
  options: { create: boolean },
): Promise<string | null> {
  const ring = await loadMasterKeyring(ctx.config);
  const row = await ctx.database.tenant(orgId, async (tx) => {
    const [found] = await tx
      .select()
      .from(studyDataKeys)
      .where(and(eq(studyDataKeys.orgId, orgId), eq(studyDataKeys.studyId, studyId)));
    if (found || !options.create) return found ?? null;
    const [made] = await tx
      .insert(studyDataKeys)
      .values({ orgId, studyId, wrapped: wrapDataKey(ring, studyId, randomBytes(32)) })
      .onConflictDoNothing()
      .returning();
    if (made) return made;
    const [raced] = await tx
      .select()
      .from(studyDataKeys)
      .where(and(eq(studyDataKeys.orgId, orgId), eq(studyDataKeys.studyId, studyId)));
    return raced ?? null;
  });
  if (!row) return null;
  if (!LOADED.has(row.id)) {
    registerPhiDataKey(row.id, unwrapDataKey(ring, studyId, row.wrapped));
    LOADED.add(row.id);
  }
  return row.id;
}

/** Ensures the data key `keyId` of a study is usable here (a cleared reader of a sealed file). */
export async function ensureDataKey(
  ctx: Pick<AppContext, 'config' | 'database'>,
  orgId: string,
  studyId: string,
  keyId: string,
): Promise<void> {
  if (LOADED.has(keyId)) return;
  await studyDataKey(ctx, orgId, studyId, { create: false });
}

/** Forgets which data keys this process has registered (tests; after a rotation nothing else is needed). */
export function forgetStudyDataKeys(): void {
  LOADED.clear();
}
