import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startTestApp, type TestApp } from '../../test/harness.ts';
import { readiness } from './readiness.ts';

let t: TestApp;
beforeAll(async () => {
  t = await startTestApp();
});
afterAll(() => t.close());

describe('readiness during a rolling upgrade', () => {
  it('stays ready when the database is a migration ahead of this build (the new release migrated first)', async () => {
    expect((await readiness(t.ctx)).status).toBe('ready');
    const { rows } = await t.admin.query(
      `insert into drizzle.__drizzle_migrations (hash, created_at)
       select 'rolling-upgrade-test', max(created_at) + 1 from drizzle.__drizzle_migrations returning id`,
    );
    try {
      const ahead = await readiness(t.ctx);
      expect(ahead.status).toBe('ready');
      expect(ahead.migrations.applied).toBe(ahead.migrations.expected + 1);
    } finally {
      await t.admin.query('delete from drizzle.__drizzle_migrations where id = $1', [rows[0].id]);
    }
  });
});
