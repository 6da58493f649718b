import { buildOrganization, buildStudy } from '@cdp/db/testing';
import { sql } from 'drizzle-orm';
import pg from 'pg';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startTestApp, type TestApp } from './harness.ts';
import { testDatabase } from './test-database.ts';

let t: TestApp;
beforeAll(async () => {
  t = await startTestApp();
});
afterAll(() => t.close());

async function tenantTables(): Promise<string[]> {
  const { rows } = await t.admin.query<{ table_name: string }>(
    `select table_name from information_schema.columns
     where table_schema = 'public' and column_name = 'org_id' order by table_name`,
  );
  return rows.map((r) => r.table_name);
}

describe('row-level security', () => {
  it('the application connects as a role that is neither superuser nor owner of any table', async () => {
    const client = new pg.Client({ connectionString: testDatabase().appUrl });
    await client.connect();
    try {
      const { rows } = await client.query<{ rolsuper: boolean; rolbypassrls: boolean; owned: number }>(
        `select r.rolsuper, r.rolbypassrls,
                (select count(*)::int from pg_tables where tableowner = current_user) as owned
         from pg_roles r where r.rolname = current_user`,
      );
      expect(rows[0]).toEqual({ rolsuper: false, rolbypassrls: false, owned: 0 });
    } finally {
      await client.end();
    }
  });

  it('is enabled with a policy on every table that has an org_id column (and on organizations)', async () => {
    const tables = [...(await tenantTables()), 'organizations'];
    expect(tables).toEqual(
      expect.arrayContaining(['users', 'studies', 'audit_events', 'role_assignments', 'sessions']),
    );
    const { rows } = await t.admin.query<{ relname: string; relrowsecurity: boolean; policies: number }>(
      `select c.relname, c.relrowsecurity,
              (select count(*)::int from pg_policies p where p.tablename = c.relname) as policies
       from pg_class c join pg_namespace n on n.oid = c.relnamespace
       where n.nspname = 'public' and c.relname = any($1)`,
      [tables],
    );
    for (const table of tables) {
      const row = rows.find((r) => r.relname === table);
      expect(row, table).toMatchObject({ relrowsecurity: true });
      expect(row?.policies, table).toBeGreaterThan(0);
    }
  });

  it('a query with no tenant context returns no rows from any tenant table', async () => {
    const org = await buildOrganization(t.database);
    await buildStudy(t.database, { orgId: org.id });
    await t.user({ orgId: org.id, role: 'auditor' });
    // The superuser sees them...
    const visible = await t.admin.query('select count(*)::int as n from studies');
    expect(visible.rows[0].n).toBeGreaterThan(0);
    // ...the application role without `app.org_id` sees nothing, and a forgotten filter leaks nothing.
    for (const table of [...(await tenantTables()), 'organizations']) {
      // System roles (org_id null) are shared by design; every tenant-owned row must be hidden.
      const where = table === 'roles' ? ' where org_id is not null' : '';
      const { rows } = await t.database.pool.query(`select count(*)::int as n from ${table}${where}`);
      expect(rows[0].n, table).toBe(0);
    }
  });

  it('inside a tenant transaction only that tenant is visible, and writes into another tenant are refused', async () => {
    const a = await buildOrganization(t.database);
    const b = await buildOrganization(t.database);
    const studyA = await buildStudy(t.database, { orgId: a.id });
    const studyB = await buildStudy(t.database, { orgId: b.id });

    const seen = await t.database.tenant(a.id, (tx) => tx.execute<{ id: string }>(sql`select id from studies`));
    const ids = seen.rows.map((r) => r.id);
    expect(ids).toContain(studyA.id);
    expect(ids).not.toContain(studyB.id);

    const orgs = await t.database.tenant(a.id, (tx) => tx.execute<{ id: string }>(sql`select id from organizations`));
    expect(orgs.rows.map((r) => r.id)).toEqual([a.id]);

    await expect(
      t.database.tenant(a.id, (tx) =>
        tx.execute(sql`insert into studies (org_id, code, name, phase) values (${b.id}, 'X-1', 'x', 'II')`),
      ),
    ).rejects.toThrow();
    const updated = await t.database.tenant(a.id, (tx) =>
      tx.execute(sql`update studies set name = 'hijacked' where id = ${studyB.id}`),
    );
    expect(updated.rowCount).toBe(0);
  });

  it('the tenant setting does not outlive its transaction on a pooled connection', async () => {
    const org = await buildOrganization(t.database);
    await buildStudy(t.database, { orgId: org.id });
    const client = await t.database.pool.connect();
    try {
      await client.query('begin');
      await client.query(`select set_config('app.org_id', $1, true)`, [org.id]);
      expect((await client.query('select count(*)::int as n from studies')).rows[0].n).toBe(1);
      await client.query('commit');
      expect((await client.query('select count(*)::int as n from studies')).rows[0].n).toBe(0);
    } finally {
      client.release();
    }
  });

  it('the one definer function (request authentication) answers only for a matching session, user and organization', async () => {
    const a = await buildOrganization(t.database);
    const b = await buildOrganization(t.database);
    const user = await t.user({ orgId: a.id, role: 'auditor' });
    await t.login(user.email);
    const { rows: sessions } = await t.admin.query<{ id: string }>('select id from sessions where user_id = $1', [
      user.id,
    ]);
    const sessionId = sessions[0]?.id;
    const call = (sid: string | undefined, uid: string, oid: string) =>
      t.database.pool.query('select user_id, grants from app_session_actor($1, $2, $3, 1800)', [sid, uid, oid]);
    const ok = await call(sessionId, user.id, a.id);
    expect(ok.rows).toHaveLength(1);
    expect(ok.rows[0].grants[0].roleKey).toBe('auditor');
    expect((await call(sessionId, user.id, b.id)).rows).toHaveLength(0);
    const other = await t.user({ orgId: a.id });
    expect((await call(sessionId, other.id, a.id)).rows).toHaveLength(0);
    const { rows: acl } = await t.admin.query<{ acl: string }>(
      `select proacl::text as acl from pg_proc where proname = 'app_session_actor'`,
    );
    expect(acl[0]?.acl).toContain('cdp_app=X');
    expect(acl[0]?.acl).not.toMatch(/(^|[{,])=X/);
  });
});
