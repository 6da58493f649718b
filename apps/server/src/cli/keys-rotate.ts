import { studyDataKeys } from '@cdp/db';
import { eq } from 'drizzle-orm';
import { appendAudit } from '../audit/audit-log.ts';
import { systemAuthor } from '../auth/author.ts';
import type { AppContext } from '../lib/context.ts';
import { updateSecrets } from '../lib/secrets.ts';
import {
  forgetMasterKeyrings,
  generateMasterKey,
  loadMasterKeyring,
  unwrapDataKey,
  wrapDataKey,
  wrappedKeyId,
} from '../phi/master-key.ts';

/**
 * `cdp keys rotate`: every study's PHI data key re-wrapped under the current master key, in one
 * transaction (all or none), one audit event per organization. The data keys themselves do not
 * change, so no Parquet file is rewritten.
 *
 * - With the master key in DATA_DIR/secrets.json (the embedded default), a new one is generated
 *   first; the old one stays in the file (`previousMasterKeys`) until the re-wrap has committed.
 * - With CDP_MASTER_KEY set, the administrator puts the new key there and the old one in
 *   CDP_MASTER_KEY_PREVIOUS, runs this, then removes CDP_MASTER_KEY_PREVIOUS.
 */
export async function rotateMasterKey(
  ctx: Pick<AppContext, 'config' | 'database'>,
  /** Only these organizations' study keys (tests sharing one database between servers with their own master keys). */
  only?: { orgId: string },
): Promise<{ rewrapped: number; keyId: string }> {
  if (!ctx.config.masterKey) {
    const old = await loadMasterKeyring(ctx.config);
    await updateSecrets(ctx.config.dataDir, (s) => ({
      ...s,
      masterKey: generateMasterKey(),
      previousMasterKeys: [old.current.key.toString('base64'), ...old.previous.map((k) => k.key.toString('base64'))],
    }));
    forgetMasterKeyrings();
  }
  const ring = await loadMasterKeyring(ctx.config);
  const rewrapped = await ctx.database.system(async (tx) => {
    const rows = await tx
      .select()
      .from(studyDataKeys)
      .where(only ? eq(studyDataKeys.orgId, only.orgId) : undefined)
      .for('update');
    const perOrg = new Map<string, number>();
    let count = 0;
    for (const row of rows) {
      if (wrappedKeyId(row.wrapped) === ring.current.id) continue;
      const key = unwrapDataKey(ring, row.studyId, row.wrapped);
      await tx
        .update(studyDataKeys)
        .set({ wrapped: wrapDataKey(ring, row.studyId, key), rewrappedAt: new Date() })
        .where(eq(studyDataKeys.id, row.id));
      perOrg.set(row.orgId, (perOrg.get(row.orgId) ?? 0) + 1);
      count += 1;
    }
    for (const [orgId, studies] of perOrg) {
      await appendAudit(tx, {
        orgId,
        author: systemAuthor(orgId),
        action: 'phi.keys_rotated',
        resourceType: 'organization',
        resourceId: orgId,
        newValues: { studies, masterKeyId: ring.current.id },
      });
    }
    return count;
  });
  if (!ctx.config.masterKey) {
    await updateSecrets(ctx.config.dataDir, ({ previousMasterKeys: _dropped, ...rest }) => rest);
    forgetMasterKeyrings();
  }
  return { rewrapped, keyId: ring.current.id };
}
