import { createCipheriv, createDecipheriv, randomBytes } from 'node:crypto';
import type { Config } from '../config.ts';
import { generateSecretKey, type Keyring, keyringOf, parseSecretKey } from '../lib/secret-box.ts';
import { loadOrCreateSecrets, updateSecrets } from '../lib/secrets.ts';

/**
 * The master key wrapping each study's PHI data key (AES-256-GCM): CDP_MASTER_KEY (and
 * CDP_MASTER_KEY_PREVIOUS) when set, else a key generated into DATA_DIR/secrets.json the first time
 * it is needed. A wrapped key is `m1.<master key id>.<iv>.<tag>.<ciphertext>` (base64url); the
 * master key id and the study are bound as additional data, so a wrapped key cannot be moved to
 * another study's row.
 */
type MasterConfig = Pick<Config, 'masterKey' | 'previousMasterKeys' | 'dataDir'>;

const rings = new Map<string, Promise<Keyring>>();

export function loadMasterKeyring(config: MasterConfig): Promise<Keyring> {
  const cacheKey = `${config.dataDir}\u0000${config.masterKey ?? ''}\u0000${config.previousMasterKeys.join(',')}`;
  let ring = rings.get(cacheKey);
  if (!ring) {
    ring = readMasterKeyring(config);
    ring.catch(() => rings.delete(cacheKey));
    rings.set(cacheKey, ring);
  }
  return ring;
}

/** After a rotation: the next use reads the keys again. */
export function forgetMasterKeyrings(): void {
  rings.clear();
}

async function readMasterKeyring(config: MasterConfig): Promise<Keyring> {
  const previousFromEnv = config.previousMasterKeys.map((k) => parseSecretKey(k, 'CDP_MASTER_KEY_PREVIOUS'));
  if (config.masterKey) return keyringOf(parseSecretKey(config.masterKey, 'CDP_MASTER_KEY'), previousFromEnv);
  let secrets = await loadOrCreateSecrets(config.dataDir);
  if (!secrets.masterKey) {
    secrets = await updateSecrets(config.dataDir, (s) => (s.masterKey ? s : { ...s, masterKey: generateSecretKey() }));
  }
  return keyringOf(parseSecretKey(secrets.masterKey as string, 'masterKey in secrets.json'), [
    ...(secrets.previousMasterKeys ?? []).map((k) => parseSecretKey(k, 'previousMasterKeys in secrets.json')),
    ...previousFromEnv,
  ]);
}

const aad = (masterId: string, studyId: string) => Buffer.from(`cdp-study-data-key:${masterId}:${studyId}`);

export function wrapDataKey(ring: Keyring, studyId: string, dataKey: Buffer): string {
  const iv = randomBytes(12);
  const cipher = createCipheriv('aes-256-gcm', ring.current.key, iv);
  cipher.setAAD(aad(ring.current.id, studyId));
  const body = Buffer.concat([cipher.update(dataKey), cipher.final()]);
  return ['m1', ring.current.id, iv, cipher.getAuthTag(), body]
    .map((p) => (typeof p === 'string' ? p : p.toString('base64url')))
    .join('.');
}

export function wrappedKeyId(wrapped: string): string | null {
  const parts = wrapped.split('.');
  return parts.length === 5 && parts[0] === 'm1' ? (parts[1] ?? null) : null;
}

export function unwrapDataKey(ring: Keyring, studyId: string, wrapped: string): Buffer {
  const [version, id, iv, tag, body] = wrapped.split('.');
  if (version !== 'm1' || !id || !iv || !tag || body === undefined) throw new Error('not a wrapped study data key');
  const key = [ring.current, ...ring.previous].find((k) => k.id === id);
  if (!key) {
    throw new Error(
      `a study's PHI data key is wrapped under master key ${id}, which this server does not have (set CDP_MASTER_KEY_PREVIOUS to the old key, then run \`cdp keys rotate\`)`,
    );
  }
  const decipher = createDecipheriv('aes-256-gcm', key.key, Buffer.from(iv, 'base64url'));
  decipher.setAAD(aad(id, studyId));
  decipher.setAuthTag(Buffer.from(tag, 'base64url'));
  return Buffer.concat([decipher.update(Buffer.from(body, 'base64url')), decipher.final()]);
}

export { generateSecretKey as generateMasterKey };
