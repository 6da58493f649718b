import { chmod, mkdir, mkdtemp, rm } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import pg from 'pg';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { testDatabase } from '../../test/test-database.ts';
import { loadConfig } from '../config.ts';
import { embeddedPostgresFlags, firstUntraversableFolder } from './embedded-postgres.ts';

let root: string;
beforeAll(async () => {
  root = await mkdtemp(path.join(os.tmpdir(), 'cdp-reach-'));
  await chmod(root, 0o755);
});
afterAll(() => rm(root, { recursive: true, force: true }));

describe('firstUntraversableFolder', () => {
  // A uid that owns none of these folders: it gets the "others" permission bits.
  const stranger = 64_999;

  it('finds a private folder on the way down (a checkout under a mode-700 home)', async () => {
    const home = path.join(root, 'home');
    await mkdir(path.join(home, 'cdp'), { recursive: true });
    await chmod(home, 0o700);
    expect(firstUntraversableFolder(path.join(home, 'cdp', '.data', 'pg'), stranger)).toBe(home);
  });

  it('accepts a path every folder of which others may enter, including ones not created yet', async () => {
    const open = path.join(root, 'open');
    await mkdir(open, { recursive: true });
    await chmod(open, 0o711);
    expect(firstUntraversableFolder(path.join(open, 'data', 'pg'), stranger)).toBeNull();
  });

  it('lets the owner through a folder only the owner may enter', async () => {
    const own = path.join(root, 'own');
    await mkdir(own, { recursive: true });
    await chmod(own, 0o700);
    expect(firstUntraversableFolder(path.join(own, 'pg'), process.getuid?.() ?? 0)).toBeNull();
  });
});

describe('durability of the embedded PostgreSQL', () => {
  it('is durable unless told otherwise, and EMBEDDED_PG_DURABLE=false turns it off', () => {
    expect(loadConfig({}).embeddedPgDurable).toBe(true);
    expect(loadConfig({ EMBEDDED_PG_DURABLE: 'false' }).embeddedPgDurable).toBe(false);
    expect(embeddedPostgresFlags().join(' ')).not.toMatch(/fsync|synchronous_commit/);
    expect(embeddedPostgresFlags(false).join(' ')).toContain('fsync=off');
  });

  it('the test run’s cluster, made for one run, does not wait for the disk at each commit', async () => {
    const client = new pg.Client({ connectionString: testDatabase().adminUrl });
    await client.connect();
    try {
      const settings = await client.query<{ name: string; setting: string }>(
        "select name, setting from pg_settings where name in ('fsync', 'synchronous_commit') order by name",
      );
      expect(settings.rows).toEqual([
        { name: 'fsync', setting: 'off' },
        { name: 'synchronous_commit', setting: 'off' },
      ]);
    } finally {
      await client.end();
    }
  });
});
