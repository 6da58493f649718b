import { createHash } from 'node:crypto';
import { createReadStream } from 'node:fs';
import { copyFile, mkdir, readdir, readFile, realpath, rename, stat, writeFile } from 'node:fs/promises';
import path from 'node:path';
import type { FolderSourceConfig } from '@cdp/contracts';
import { globMatcher } from '../glob.ts';
import { type ConnectionCheck, type Connector, ConnectorError, type PulledFile } from '../types.ts';

export const PROCESSED_DIR = 'processed';
export const FAILED_DIR = 'failed';

/**
 * The watched folder a source names, resolved under the administrator's import root. Symbolic
 * links are followed before the check, so a link inside the root that points outside is refused too.
 */
export async function resolveWatchedFolder(importRoot: string | null, relative: string): Promise<string> {
  if (!importRoot) {
    throw new ConnectorError('Watched folders are off on this server: the administrator has not set IMPORT_ROOT.');
  }
  if (path.isAbsolute(relative) || relative.split(/[\\/]/).includes('..')) {
    throw new ConnectorError(`Folder ${relative}: give a path inside the import root, without ".." or a leading "/".`);
  }
  const root = await realpath(importRoot).catch(() => {
    throw new ConnectorError('The import root (IMPORT_ROOT) does not exist on this server.');
  });
  const target = await realpath(path.join(root, relative)).catch(() => {
    throw new ConnectorError(`Folder ${relative} does not exist under the import root.`);
  });
  if (target !== root && !target.startsWith(`${root}${path.sep}`)) {
    throw new ConnectorError(`Folder ${relative} leads outside the import root; it is refused.`);
  }
  if (!(await stat(target)).isDirectory()) throw new ConnectorError(`${relative} is not a folder.`);
  return target;
}

/** Sizes seen at earlier polls: a file is stable once its size has not changed for `stableSeconds`. */
type Seen = Record<string, { size: number; mtimeMs: number; since: number }>;
const SEEN = 'folder-seen.json';

async function readSeen(stateDir: string): Promise<Seen> {
  try {
    return JSON.parse(await readFile(path.join(stateDir, SEEN), 'utf8')) as Seen;
  } catch {
    return {};
  }
}

async function sha256Of(file: string): Promise<string> {
  const hash = createHash('sha256');
  for await (const chunk of createReadStream(file)) hash.update(chunk as Buffer);
  return hash.digest('hex');
}

/** `name`, or `name (2)`, ... where the name is already taken in `dir`. */
async function freeName(dir: string, name: string): Promise<string> {
  const ext = path.extname(name);
  const stem = name.slice(0, name.length - ext.length);
  for (let n = 1; ; n++) {
    const candidate = n === 1 ? name : `${stem} (${n})${ext}`;
    try {
      await stat(path.join(dir, candidate));
    } catch {
      return candidate;
    }
  }
}

/**
 * The watched-folder connector. Each poll lists the folder (not its `processed/` and `failed/`
 * sub-folders), takes the files matching `pattern` whose size has stayed the same for
 * `stableSeconds` (or whose last change is older than that), and hands them over as one version.
 * After the version is recorded they move to `processed/`; when it fails, to `failed/` with a
 * `<name>.reason.txt` beside each saying why.
 */
export function folderConnector(importRoot: string | null): Connector<FolderSourceConfig> {
  return {
    async test(config): Promise<ConnectionCheck> {
      try {
        const dir = await resolveWatchedFolder(importRoot, config.path);
        const match = globMatcher(config.pattern);
        const entries = await readdir(dir, { withFileTypes: true });
        const files = entries.filter((e) => e.isFile() && match(e.name));
        return {
          ok: true,
          message: `Folder ${config.path} is readable; ${files.length} file${files.length === 1 ? '' : 's'} match ${config.pattern}.`,
        };
      } catch (error) {
        return { ok: false, message: error instanceof Error ? error.message : String(error) };
      }
    },

    async pull(config, _secret, context) {
      const dir = await resolveWatchedFolder(importRoot, config.path);
      const match = globMatcher(config.pattern);
      const seen = await readSeen(context.stateDir);
      const now = Date.now();
      const nextSeen: Seen = {};
      const stable: string[] = [];
      let waiting = 0;
      for (const entry of await readdir(dir, { withFileTypes: true })) {
        if (!entry.isFile() || !match(entry.name)) continue;
        const info = await stat(path.join(dir, entry.name));
        const before = seen[entry.name];
        const since = before && before.size === info.size && before.mtimeMs === info.mtimeMs ? before.since : now;
        nextSeen[entry.name] = { size: info.size, mtimeMs: info.mtimeMs, since };
        const quietFor = Math.max(now - since, now - info.mtimeMs);
        if (quietFor >= config.stableSeconds * 1000) stable.push(entry.name);
        else waiting += 1;
      }
      await mkdir(context.stateDir, { recursive: true });
      await writeFile(path.join(context.stateDir, SEEN), JSON.stringify(nextSeen));
      const still = waiting > 0 ? ` (${waiting} still being written)` : '';
      if (stable.length === 0) return { kind: 'unchanged', message: `No new files in ${config.path}${still}` };
      context.log('info', `${stable.length} stable file${stable.length === 1 ? '' : 's'} in ${config.path}${still}`);
      stable.sort();
      const files: PulledFile[] = [];
      let bytes = 0;
      for (const name of stable) {
        context.signal.throwIfAborted();
        const from = path.join(dir, name);
        const local = path.join(context.workDir, `${files.length + 1}-${name}`);
        await copyFile(from, local);
        const info = await stat(local);
        bytes += info.size;
        files.push({ path: local, name, bytes: info.size, sha256: await sha256Of(local), remoteId: from });
        context.progress({ files: files.length, bytes, message: `Took ${name}` });
      }
      const moveAll = async (sub: string, reason: string | null) => {
        const target = path.join(dir, sub);
        await mkdir(target, { recursive: true });
        for (const file of files) {
          const name = await freeName(target, file.name);
          await rename(path.join(dir, file.name), path.join(target, name)).catch((error: unknown) =>
            context.log(
              'warn',
              `Could not move ${file.name} to ${sub}/: ${error instanceof Error ? error.message : String(error)}`,
            ),
          );
          if (reason !== null) await writeFile(path.join(target, `${name}.reason.txt`), `${reason}\n`);
          context.log('info', `Moved ${file.name} to ${sub}/${name}`);
        }
      };
      return {
        kind: 'files',
        files,
        commit: () => moveAll(PROCESSED_DIR, null),
        reject: (reason) => moveAll(FAILED_DIR, reason),
      };
    },
  };
}
