import { open, readdir } from 'node:fs/promises';
import path from 'node:path';
import type { AppContext } from './context.ts';

/** Flushes one file's data (`file`) or one folder's names (`folder`) to the disk. */
export type SyncPath = (target: string, kind: 'file' | 'folder') => Promise<void>;

/**
 * Opened read-only: on Linux fdatasync/fsync flush the inode's dirty pages whatever the open mode,
 * and a folder cannot be opened for writing at all.
 */
export const syncPath: SyncPath = async (target, kind) => {
  const handle = await open(target, 'r');
  try {
    await (kind === 'file' ? handle.datasync() : handle.sync());
  } finally {
    await handle.close();
  }
};

/** Side by side on libuv's pool (3-17 ms for a pilot version, 8-293 ms one after the other), bounded. */
const AT_ONCE = 4;

/**
 * Why: a row that names files commits durably in PostgreSQL, while the files themselves reach the
 * disk only when the kernel writes them back (~30 s on ext4). A power loss in between would leave a
 * committed version whose files are missing or short (21 CFR Part 11 data integrity). So before the
 * commit: every file's data and its folder's names (`folder`, before the rename into place), then
 * the name the rename gave it (`renamed`, the destination's parent folder).
 */
export interface DurableFiles {
  /** Every file under `dir` (sub-folders too) but those in `flushed` (already flushed), and each folder itself. */
  folder(dir: string, flushed?: ReadonlySet<string>): Promise<void>;
  /** One file's data, before it is renamed into place (an export, a sealed file). */
  file(file: string): Promise<void>;
  /** Several files' data, side by side (`folder` without the folders: their names are flushed later). */
  files(files: string[]): Promise<void>;
  /** One folder's names only, its files' data already flushed (`files`). */
  names(dir: string): Promise<void>;
  /** After a rename to `target`: the folder that now holds its name. */
  renamed(target: string): Promise<void>;
  /**
   * A folder tree just made under `root` (a new study's folders): `dir` itself (its sub-folders'
   * names), then each folder above it up to `root`, each holding the name of the one below.
   */
  made(dir: string, root: string): Promise<void>;
}

const nothing = async () => {};
const skipped: DurableFiles = {
  folder: nothing,
  file: nothing,
  files: nothing,
  names: nothing,
  renamed: nothing,
  made: nothing,
};

/** `DATA_FILES_DURABLE=false` skips every sync (throwaway data: the test clusters). */
export function durableFiles(ctx: Pick<AppContext, 'config' | 'syncPath'>): DurableFiles {
  if (!ctx.config.dataFilesDurable) return skipped;
  const sync = ctx.syncPath ?? syncPath;
  return {
    folder: async (dir, flushed) => {
      const { files, folders } = await listTree(dir);
      // Side by side: each only has to be on the disk before the rename that follows them both (the
      // rename becomes durable with the destination folder's sync after it, `renamed`).
      await Promise.all([
        inTurns(flushed ? files.filter((file) => !flushed.has(file)) : files, (file) => sync(file, 'file')),
        inTurns(folders, (folder) => sync(folder, 'folder')),
      ]);
    },
    file: (file) => sync(file, 'file'),
    files: (files) => inTurns(files, (file) => sync(file, 'file')),
    names: (dir) => sync(dir, 'folder'),
    renamed: (target) => sync(path.dirname(target), 'folder'),
    made: async (dir, root) => {
      const top = path.resolve(root);
      let folder = path.resolve(dir);
      if (folder !== top && !folder.startsWith(`${top}${path.sep}`)) throw new Error(`${dir} is not under ${root}`);
      // Innermost first: a folder's name is only worth flushing once what it names is on the disk.
      for (;;) {
        await sync(folder, 'folder');
        if (folder === top) return;
        folder = path.dirname(folder);
      }
    },
  };
}

/**
 * The sync itself, for code that keeps files of its own shape (a connector's state between pulls),
 * or undefined when `DATA_FILES_DURABLE=false`.
 */
export function durableSync(ctx: Pick<AppContext, 'config' | 'syncPath'>): SyncPath | undefined {
  return ctx.config.dataFilesDurable ? (ctx.syncPath ?? syncPath) : undefined;
}

async function listTree(dir: string): Promise<{ files: string[]; folders: string[] }> {
  const files: string[] = [];
  const folders: string[] = [dir];
  // An array's iterator reads its length at each step, so folders found on the way are walked too.
  for (const folder of folders) {
    for (const entry of await readdir(folder, { withFileTypes: true })) {
      const full = path.join(folder, entry.name);
      if (entry.isDirectory()) folders.push(full);
      else if (entry.isFile()) files.push(full);
    }
  }
  return { files, folders };
}

/** At most AT_ONCE at a time; the first failure fails the whole (the others still settle). */
async function inTurns(items: string[], run: (item: string) => Promise<void>): Promise<void> {
  // One iterator shared by the lanes: each takes the next item when its previous one is done.
  const queue = items.values();
  const lane = async () => {
    for (const item of queue) await run(item);
  };
  const lanes = await Promise.allSettled(Array.from({ length: Math.min(AT_ONCE, items.length) }, lane));
  const failed = lanes.find((lane) => lane.status === 'rejected');
  if (failed) throw failed.reason;
}
