import { dataSources } from '@cdp/db';
import { and, eq, isNotNull } from 'drizzle-orm';
import { appendAudit } from '../audit/audit-log.ts';
import { systemAuthor } from '../auth/author.ts';
import type { AppContext } from '../lib/context.ts';
import {
  decryptSecret,
  encryptSecret,
  forgetKeyrings,
  generateSecretKey,
  loadKeyring,
  secretKeyId,
} from '../lib/secret-box.ts';
import { updateSecrets } from '../lib/secrets.ts';

/**
 * `cdp secrets rotate`: every data-source credential re-encrypted under the current key, in one
 * transaction (all or none), with one audit event per organization.
 *
 * - With the key in DATA_DIR/secrets.json (the embedded default), a new key is generated first; the
 *   old one stays in the file (`previousDataSourceKeys`) until the re-encryption has committed, so
 *   a crash in between loses nothing.
 * - With CDP_SECRET_KEY set, the administrator sets the new key there and the old one in
 *   CDP_SECRET_KEY_PREVIOUS, runs this, then removes CDP_SECRET_KEY_PREVIOUS.
 */
export async function rotateDataSourceSecrets(
  ctx: Pick<AppContext, 'config' | 'database'>,
  /** Only this organization's sources (tests sharing one database between servers with their own keys). */
  only?: { orgId: string },
): Promise<{ reencrypted: number; keyId: string }> {
  if (!ctx.config.secretKey) {
    const old = await loadKeyring(ctx.config);
    await updateSecrets(ctx.config.dataDir, (s) => ({
      ...s,
      dataSourceKey: generateSecretKey(),
      previousDataSourceKeys: [
        old.current.key.toString('base64'),
        ...old.previous.map((k) => k.key.toString('base64')),
      ],
    }));
    forgetKeyrings();
  }
  const ring = await loadKeyring(ctx.config);
  const reencrypted = await ctx.database.system(async (tx) => {
    const rows = await tx
      .select({ id: dataSources.id, orgId: dataSources.orgId, secret: dataSources.secretCiphertext })
      .from(dataSources)
      .where(
        only
          ? and(isNotNull(dataSources.secretCiphertext), eq(dataSources.orgId, only.orgId))
          : isNotNull(dataSources.secretCiphertext),
      )
      .for('update');
    const perOrg = new Map<string, number>();
    let count = 0;
    for (const row of rows) {
      if (!row.secret || secretKeyId(row.secret) === ring.current.id) continue;
      const plain = decryptSecret(ring, row.secret);
      await tx
        .update(dataSources)
        .set({ secretCiphertext: encryptSecret(ring, plain) })
        .where(eq(dataSources.id, row.id));
      perOrg.set(row.orgId, (perOrg.get(row.orgId) ?? 0) + 1);
      count += 1;
    }
    for (const [orgId, sources] of perOrg) {
      await appendAudit(tx, {
        orgId,
        author: systemAuthor(orgId),
        action: 'data_source.secrets_rotated',
        resourceType: 'organization',
        resourceId: orgId,
        newValues: { sources, keyId: ring.current.id },
      });
    }
    return count;
  });
  if (!ctx.config.secretKey) {
    await updateSecrets(ctx.config.dataDir, ({ previousDataSourceKeys: _dropped, ...rest }) => rest);
    forgetKeyrings();
  }
  return { reencrypted, keyId: ring.current.id };
}
