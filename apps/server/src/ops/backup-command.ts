import path from 'node:path';
import type { Config } from '../config.ts';
import type { AppContext } from '../lib/context.ts';
import { type BackupSummary, backup, restore } from './backup.ts';
import { heldKeyIds, installationKeys, installKeys, serverSecretId } from './backup-keys.ts';

export const BACKUP_USAGE = 'usage: cdp backup --out DIR [--include-keys] (DIR a new or empty folder)';
export const RESTORE_USAGE = 'usage: cdp restore DIR (a folder written by cdp backup)';

/** `cdp backup --out DIR [--include-keys]` / `cdp restore DIR`, as main.ts runs them. */
export async function backupOrRestore(
  mode: 'backup' | 'restore',
  args: string[],
  adminUrl: string,
  config: Config,
  log: AppContext['log'],
): Promise<BackupSummary> {
  if (mode === 'restore') {
    const from = args[0];
    if (!from || from.startsWith('--') || args.length > 1) throw new Error(RESTORE_USAGE);
    return restore(adminUrl, config.dataDir, path.resolve(from), {
      keys: { install: (keys) => installKeys(config, keys), held: () => heldKeyIds(config) },
    });
  }
  const outAt = args.indexOf('--out');
  const out = outAt >= 0 ? args[outAt + 1] : undefined;
  const unknown = args.filter((a, i) => i !== outAt && i !== outAt + 1 && a !== '--include-keys');
  if (!out || out.startsWith('--') || unknown.length > 0) throw new Error(BACKUP_USAGE);
  const keys = await installationKeys(config);
  const includeKeys = args.includes('--include-keys');
  const summary = await backup(adminUrl, config.dataDir, path.resolve(out), {
    ...(includeKeys ? { includeKeys: keys } : {}),
    serverSecretId: serverSecretId(keys.serverSecret),
  });
  const needed = summary.keysNeeded;
  const needsKeys = needed.serverSecret !== null || needed.dataSource.length > 0 || needed.master.length > 0;
  if (includeKeys) {
    log.warn(
      `${path.join(path.resolve(out), 'keys.json')} holds the keys that decrypt data-source credentials, PHI and second factors: ` +
        'whoever has this backup can read all of it. Keep it encrypted and apart from ordinary backups.',
    );
  } else if (needsKeys) {
    log.warn(
      { keysNeeded: needed },
      'the backup holds encrypted values but not their keys: a restore needs this installation’s keys ' +
        '(DATA_DIR/secrets.json, or JWT_SECRET, CDP_SECRET_KEY and CDP_MASTER_KEY) from your secret store, ' +
        'or a backup made with --include-keys',
    );
  }
  return summary;
}
