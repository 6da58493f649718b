import { createCipheriv, createDecipheriv, createHash, randomBytes } from 'node:crypto';
import type { Config } from '../config.ts';
import { loadOrCreateSecrets, updateSecrets } from './secrets.ts';

/**
 * Data-source credentials at rest: AES-256-GCM under the server's key (CDP_SECRET_KEY, or one
 * generated into DATA_DIR/secrets.json). A stored value is `v1.<key id>.<iv>.<tag>.<ciphertext>`
 * (base64url): the key id (the first bytes of the key's SHA-256) says which key of the ring opens
 * it, so a rotation can proceed while old values are still being re-encrypted.
 */

interface Key {
  id: string;
  key: Buffer;
}

export interface Keyring {
  current: Key;
  previous: Key[];
}

/** A key as the administrator writes it: 32 bytes in base64, or 64 hex digits. */
export function parseSecretKey(text: string, name = 'CDP_SECRET_KEY'): Buffer {
  const trimmed = text.trim();
  const key = /^[0-9a-f]{64}$/i.test(trimmed) ? Buffer.from(trimmed, 'hex') : Buffer.from(trimmed, 'base64');
  if (key.length !== 32) {
    throw new Error(
      `${name} must be 32 random bytes, as base64 (44 characters) or 64 hex digits; e.g. \`openssl rand -base64 32\`.`,
    );
  }
  return key;
}

function keyOf(key: Buffer): Key {
  return { id: createHash('sha256').update(key).digest('base64url').slice(0, 8), key };
}

export function keyringOf(current: Buffer, previous: Buffer[] = []): Keyring {
  return { current: keyOf(current), previous: previous.map(keyOf) };
}

export function generateSecretKey(): string {
  return randomBytes(32).toString('base64');
}

export function encryptSecret(ring: Keyring, plaintext: string): string {
  const iv = randomBytes(12);
  const cipher = createCipheriv('aes-256-gcm', ring.current.key, iv);
  // The key id is bound to the ciphertext: a value cannot be moved to another key's slot.
  cipher.setAAD(Buffer.from(`cdp-data-source-secret:${ring.current.id}`));
  const body = Buffer.concat([cipher.update(plaintext, 'utf8'), cipher.final()]);
  return [
    'v1',
    ring.current.id,
    iv.toString('base64url'),
    cipher.getAuthTag().toString('base64url'),
    body.toString('base64url'),
  ].join('.');
}

export function secretKeyId(stored: string): string | null {
  const parts = stored.split('.');
  return parts.length === 5 && parts[0] === 'v1' ? (parts[1] ?? null) : null;
}

export function decryptSecret(ring: Keyring, stored: string): string {
  const [version, id, iv, tag, body] = stored.split('.');
  if (version !== 'v1' || !id || !iv || !tag || body === undefined) throw new Error('not an encrypted secret');
  const key = [ring.current, ...ring.previous].find((k) => k.id === id);
  if (!key) {
    throw new Error(
      `a credential is encrypted under key ${id}, which this server does not have (set CDP_SECRET_KEY_PREVIOUS to the old key, then run \`cdp secrets rotate\`)`,
    );
  }
  const decipher = createDecipheriv('aes-256-gcm', key.key, Buffer.from(iv, 'base64url'));
  decipher.setAAD(Buffer.from(`cdp-data-source-secret:${id}`));
  decipher.setAuthTag(Buffer.from(tag, 'base64url'));
  return Buffer.concat([decipher.update(Buffer.from(body, 'base64url')), decipher.final()]).toString('utf8');
}

const rings = new Map<string, Promise<Keyring>>();

/**
 * The server's keyring: CDP_SECRET_KEY (and CDP_SECRET_KEY_PREVIOUS) when set, else the key in
 * DATA_DIR/secrets.json, generated there the first time it is needed.
 */
export function loadKeyring(config: Pick<Config, 'secretKey' | 'previousSecretKeys' | 'dataDir'>): Promise<Keyring> {
  const cacheKey = `${config.dataDir}\u0000${config.secretKey ?? ''}\u0000${config.previousSecretKeys.join(',')}`;
  let ring = rings.get(cacheKey);
  if (!ring) {
    ring = readKeyring(config);
    ring.catch(() => rings.delete(cacheKey));
    rings.set(cacheKey, ring);
  }
  return ring;
}

/** After a rotation: the next use reads the keys again. */
export function forgetKeyrings(): void {
  rings.clear();
}

async function readKeyring(config: Pick<Config, 'secretKey' | 'previousSecretKeys' | 'dataDir'>): Promise<Keyring> {
  const previousFromEnv = config.previousSecretKeys.map((k) => parseSecretKey(k, 'CDP_SECRET_KEY_PREVIOUS'));
  if (config.secretKey) return keyringOf(parseSecretKey(config.secretKey), previousFromEnv);
  let secrets = await loadOrCreateSecrets(config.dataDir);
  if (!secrets.dataSourceKey) {
    // A data folder from before data sources: its key is added now, once.
    secrets = await updateSecrets(config.dataDir, (s) =>
      s.dataSourceKey ? s : { ...s, dataSourceKey: generateSecretKey() },
    );
  }
  return keyringOf(parseSecretKey(secrets.dataSourceKey as string, 'dataSourceKey in secrets.json'), [
    ...(secrets.previousDataSourceKeys ?? []).map((k) => parseSecretKey(k, 'previousDataSourceKeys in secrets.json')),
    ...previousFromEnv,
  ]);
}

/** How a stored secret is shown: never its value, only that it is there and since when. */
export function maskedSecret(setAt: Date | null): string | null {
  return setAt ? `•••• set on ${setAt.toISOString().slice(0, 10)}` : null;
}
