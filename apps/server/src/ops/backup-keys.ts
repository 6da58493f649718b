import { createHash } from 'node:crypto';
import { AccessTokens } from '../auth/tokens.ts';
import type { Config } from '../config.ts';
import { forgetKeyrings, loadKeyring } from '../lib/secret-box.ts';
import { loadOrCreateSecrets, type Secrets, updateSecrets } from '../lib/secrets.ts';
import { forgetMasterKeyrings, loadMasterKeyring } from '../phi/master-key.ts';

/**
 * The keys a restored installation needs to read what the database holds encrypted: the server
 * secret (sessions, and the key TOTP secrets are encrypted under), the data-source key ring
 * (credentials) and the PHI master key ring (each study's wrapped data key). A backup carries them
 * only when asked (`cdp backup --include-keys`, docs/decisions.md "Backups and keys"); otherwise it
 * records which key ids its rows need, and a restore refuses to load rows this installation could
 * not decrypt.
 */

export interface BackupKeys {
  /** JWT_SECRET, or secrets.json's jwtSecret. */
  serverSecret: string;
  /** Current key first, then keys older values may still be encrypted under. */
  dataSourceKeys: string[];
  masterKeys: string[];
}

/** The ids of keys (never the keys): what a backup's rows need, or what an installation holds. */
export interface KeyIds {
  /** Null in a backup's needs: no user has a second factor, so any server secret will do. */
  serverSecret: string | null;
  dataSource: string[];
  master: string[];
}

type KeyConfig = Pick<
  Config,
  'dataDir' | 'jwtSecret' | 'secretKey' | 'previousSecretKeys' | 'masterKey' | 'previousMasterKeys'
>;

/** A stable id of a server secret that says nothing about it (HKDF for its own purpose, hashed). */
export function serverSecretId(secret: string): string {
  const derived = new AccessTokens(secret, 60).deriveKey('cdp-backup-key-id');
  return createHash('sha256').update(derived).digest('base64url').slice(0, 8);
}

const present = (values: (string | null | undefined)[]) => [
  ...new Set(values.filter((v): v is string => typeof v === 'string' && v.length > 0)),
];

/** The keys this installation uses now, from the environment where set, else DATA_DIR/secrets.json. */
export async function installationKeys(config: KeyConfig): Promise<BackupKeys> {
  // Load the rings first: they add a missing key to secrets.json, which is then the one in use.
  await loadKeyring(config);
  await loadMasterKeyring(config);
  const secrets = await loadOrCreateSecrets(config.dataDir);
  return {
    serverSecret: config.jwtSecret ?? secrets.jwtSecret,
    dataSourceKeys: present([
      config.secretKey ?? secrets.dataSourceKey,
      ...config.previousSecretKeys,
      secrets.dataSourceKey,
      ...(secrets.previousDataSourceKeys ?? []),
    ]),
    masterKeys: present([
      config.masterKey ?? secrets.masterKey,
      ...config.previousMasterKeys,
      secrets.masterKey,
      ...(secrets.previousMasterKeys ?? []),
    ]),
  };
}

/** The ids of the keys this installation can decrypt with. */
export async function heldKeyIds(config: KeyConfig): Promise<KeyIds> {
  forgetKeyrings();
  forgetMasterKeyrings();
  const ring = await loadKeyring(config);
  const master = await loadMasterKeyring(config);
  const secrets = await loadOrCreateSecrets(config.dataDir);
  return {
    serverSecret: serverSecretId(config.jwtSecret ?? secrets.jwtSecret),
    dataSource: [ring.current, ...ring.previous].map((k) => k.id),
    master: [master.current, ...master.previous].map((k) => k.id),
  };
}

/**
 * Writes a backup's keys into this installation's secrets.json, where the environment does not
 * set them (a key set in the environment wins; the restore's check then says what is missing).
 * Only ever called on an empty installation, whose own generated keys encrypt nothing yet.
 */
export async function installKeys(config: KeyConfig, keys: BackupKeys): Promise<void> {
  const [dataSourceKey, ...previousDataSourceKeys] = keys.dataSourceKeys;
  const [masterKey, ...previousMasterKeys] = keys.masterKeys;
  await updateSecrets(
    config.dataDir,
    (s): Secrets => ({
      ...s,
      ...(config.jwtSecret ? {} : { jwtSecret: keys.serverSecret }),
      ...(config.secretKey || !dataSourceKey ? {} : { dataSourceKey, previousDataSourceKeys }),
      ...(config.masterKey || !masterKey ? {} : { masterKey, previousMasterKeys }),
    }),
  );
  forgetKeyrings();
  forgetMasterKeyrings();
}
