import { randomBytes } from 'node:crypto';
import { existsSync } from 'node:fs';
import { chmod, mkdir, readFile, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { z } from 'zod';

const Secrets = z.object({
  jwtSecret: z.string().min(32),
  pgSuperPassword: z.string().min(16),
  appDbPassword: z.string().min(16),
  demoPassword: z.string().min(12),
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
  };
  await writeFile(file, `${JSON.stringify(secrets, null, 2)}\n`, { mode: 0o600, flag: 'wx' });
  await chmod(file, 0o600);
  return secrets;
}
