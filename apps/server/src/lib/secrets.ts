import { randomBytes } from 'node:crypto';
import { existsSync } from 'node:fs';
import { chmod, mkdir, readFile, rename, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { z } from 'zod';

const Secrets = z.object({
  jwtSecret: z.string().min(32),
  pgSuperPassword: z.string().min(16),
  appDbPassword: z.string().min(16),
  demoPassword: z.string().min(12),
  /** AES-256 key (base64) for data-source credentials when CDP_SECRET_KEY is not set (lib/secret-box.ts). */
  dataSourceKey: z.string().optional(),
  /** Keys a rotation replaced, kept only until every credential is re-encrypted. */
  previousDataSourceKeys: z.array(z.string()).optional(),
  /** AES-256 master key (base64) wrapping the studies' PHI data keys when CDP_MASTER_KEY is not set (phi/master-key.ts). */
  masterKey: z.string().optional(),
  /** Master keys a rotation replaced, kept only until every study key is re-wrapped. */
  previousMasterKeys: z.array(z.string()).optional(),
});
export type Secrets = z.infer<typeof Secrets>;

const random = (bytes: number) => randomBytes(bytes).toString('base64url');

/** A demo password that passes the policy and can be typed: four groups of five characters. */
function demoPassword(): string {
  const alphabet = 'abcdefghjkmnpqrstuvwxyzABCDEFGHJKLMNPQRSTUVWXYZ23456789';
  const bytes = randomBytes(20);
  const chars = Array.from(bytes, (b) => alphabet[b % alphabet.length]);
  return [0, 5, 10, 15].map((i) => chars.slice(i, i + 5).join('')).join('-');
}

/**
 * Secrets generated on first start and kept in DATA_DIR/secrets.json (mode 600), so a restart
 * finds the same database passwords, JWT key and demo password.
 */
export async function loadOrCreateSecrets(dataDir: string): Promise<Secrets> {
  const file = path.join(dataDir, 'secrets.json');
  if (existsSync(file)) {
    return Secrets.parse(JSON.parse(await readFile(file, 'utf8')));
  }
  await mkdir(dataDir, { recursive: true });
  const secrets: Secrets = {
    jwtSecret: random(48),
    pgSuperPassword: random(24),
    appDbPassword: random(24),
    demoPassword: demoPassword(),
    dataSourceKey: randomBytes(32).toString('base64'),
  };
  await writeFile(file, `${JSON.stringify(secrets, null, 2)}\n`, { mode: 0o600, flag: 'wx' });
  await chmod(file, 0o600);
  return secrets;
}

/** Rewrites DATA_DIR/secrets.json with `change` applied (mode 600, replaced atomically). */
export async function updateSecrets(dataDir: string, change: (secrets: Secrets) => Secrets): Promise<Secrets> {
  const current = await loadOrCreateSecrets(dataDir);
  const next = change(current);
  const file = path.join(dataDir, 'secrets.json');
  await writeFile(`${file}.tmp`, `${JSON.stringify(next, null, 2)}\n`, { mode: 0o600 });
  await chmod(`${file}.tmp`, 0o600);
  await rename(`${file}.tmp`, file);
  return next;
}
