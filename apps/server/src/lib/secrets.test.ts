import { mkdtemp, readdir, readFile, rm, stat } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { loadOrCreateSecrets } from './secrets.ts';

const dirs: string[] = [];
afterEach(async () => {
  for (const dir of dirs.splice(0)) await rm(dir, { recursive: true, force: true });
});

describe('loadOrCreateSecrets', () => {
  it('gives every caller starting together on a fresh data folder the same secrets, and leaves one file', async () => {
    const dir = await mkdtemp(path.join(os.tmpdir(), 'cdp-secrets-'));
    dirs.push(dir);
    const all = await Promise.all(Array.from({ length: 8 }, () => loadOrCreateSecrets(dir)));
    const written = JSON.parse(await readFile(path.join(dir, 'secrets.json'), 'utf8'));
    for (const secrets of all) expect(secrets).toEqual(written);
    expect(await readdir(dir)).toEqual(['secrets.json']);
    expect((await stat(path.join(dir, 'secrets.json'))).mode & 0o777).toBe(0o600);
  });

  it('reads the file it finds on a later start', async () => {
    const dir = await mkdtemp(path.join(os.tmpdir(), 'cdp-secrets-'));
    dirs.push(dir);
    const first = await loadOrCreateSecrets(dir);
    expect(await loadOrCreateSecrets(dir)).toEqual(first);
  });
});
