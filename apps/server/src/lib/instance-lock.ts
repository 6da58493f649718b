import { existsSync, readFileSync, unlinkSync } from 'node:fs';
import { mkdir, open, readFile, unlink } from 'node:fs/promises';
import path from 'node:path';

export class AlreadyRunningError extends Error {}

function alive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (error) {
    return (error as NodeJS.ErrnoException).code === 'EPERM';
  }
}

/**
 * One `cdp start` per DATA_DIR: a second one would start a second PostgreSQL on the same files.
 * The lock is a pid file; a stale one (its process is gone) is taken over.
 */
export async function acquireInstanceLock(dataDir: string, port: number): Promise<() => void> {
  await mkdir(dataDir, { recursive: true });
  const file = path.join(dataDir, 'cdp.pid');
  for (let attempt = 0; attempt < 2; attempt += 1) {
    try {
      const handle = await open(file, 'wx', 0o644);
      await handle.writeFile(JSON.stringify({ pid: process.pid, port, startedAt: new Date().toISOString() }));
      await handle.close();
      let released = false;
      return () => {
        if (released) return;
        released = true;
        try {
          const owner = JSON.parse(readFileSync(file, 'utf8')) as { pid: number };
          if (owner.pid === process.pid) unlinkSync(file);
        } catch {
          // already gone
        }
      };
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code !== 'EEXIST') throw error;
      const owner = await readFile(file, 'utf8')
        .then((text) => JSON.parse(text) as { pid: number; port: number })
        .catch(() => null);
      if (owner && owner.pid !== process.pid && alive(owner.pid)) {
        throw new AlreadyRunningError(
          `CDP is already running from ${dataDir} (pid ${owner.pid}, http://localhost:${owner.port}). ` +
            'Stop it first (Ctrl-C in its terminal, or `kill ' +
            owner.pid +
            '`), or give this one its own DATA_DIR.',
        );
      }
      if (existsSync(file)) await unlink(file).catch(() => {});
    }
  }
  throw new Error(`Could not take the lock ${file}`);
}
