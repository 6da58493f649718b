import { execFileSync } from 'node:child_process';
import { existsSync } from 'node:fs';
import path from 'node:path';

const REPO = path.resolve(import.meta.dirname, '../../..');

/**
 * The shared reference data (`../shared/data` beside the checkout). A git worktree lives elsewhere,
 * so the folder beside the main checkout (the parent of git's common directory) is tried too;
 * `CDP_SHARED_DATA` overrides both.
 */
export function sharedDataDir(): string {
  const candidates = [process.env.CDP_SHARED_DATA, path.resolve(REPO, '../shared/data')];
  try {
    const common = execFileSync('git', ['rev-parse', '--git-common-dir'], { cwd: REPO, encoding: 'utf8' }).trim();
    candidates.push(path.resolve(REPO, common, '../../shared/data'));
  } catch {
    // Not a git checkout (an unpacked release): only the folders above apply.
  }
  const found = candidates.find((dir): dir is string => Boolean(dir && existsSync(dir)));
  if (!found) throw new Error(`the shared data folder is missing: tried ${candidates.filter(Boolean).join(', ')}`);
  return found;
}
