import { randomBytes } from 'node:crypto';
import { existsSync } from 'node:fs';
import { chmod, link, mkdir, readFile, rename, rm, writeFile } from 'node:fs/promises';
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
  // Several processes may start on a fresh data folder at once (two `cdp migrate`s of a deployment,
  // an API and a worker): the file is written whole under a name of this process's own, then linked
  // into place. The link is atomic and fails if another process got there first; that one's file is
  // then complete, and every process goes on with the same secrets.
  const draft = `${file}.${process.pid}.${randomBytes(6).toString('hex')}.tmp`;
  await writeFile(draft, `${JSON.stringify(secrets, null, 2)}\n`, { mode: 0o600, flag: 'wx' });
  try {
    await chmod(draft, 0o600);
    await link(draft, file);
    return secrets;
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code !== 'EEXIST') throw error;
    return Secrets.parse(JSON.parse(await readFile(file, 'utf8')));
  } finally {
    await rm(draft, { force: true });
  }
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
