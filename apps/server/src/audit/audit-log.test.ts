import { sql } from 'drizzle-orm';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startTestApp, type TestApp } from '../../test/harness.ts';
import { systemAuthor } from '../auth/author.ts';
import { appendAudit } from './audit-log.ts';

let t: TestApp;
beforeAll(async () => {
  t = await startTestApp({ trustProxy: true });
});
afterAll(() => t.close());

/** A tenant whose trail holds a few events (appended here, not through the API), and its auditor. */
async function tenantWithTrail() {
  const tenant = await t.tenant();
  const auditor = await tenant.as('auditor');
  const author = systemAuthor(tenant.org.id);
  for (const id of ['a', 'b', 'c']) {
    await t.database.tenant(tenant.org.id, (tx) =>
      appendAudit(tx, {
        orgId: tenant.org.id,
        author,
        action: 'audit.exported',
        resourceType: 'audit_trail',
        resourceId: id,
      }),
    );
  }
  return { tenant, auditor };
}

describe('audit log', () => {
  it('is append-only: UPDATE, DELETE and TRUNCATE are rejected, even for the table owner', async () => {
    const { tenant } = await tenantWithTrail();
    for (const statement of [
      `update audit_events set reason = 'x' where org_id = '${tenant.org.id}'`,
      `delete from audit_events where org_id = '${tenant.org.id}'`,
      'truncate audit_events',
    ]) {
      await expect(t.admin.query(statement), statement).rejects.toThrow(/append-only/);
    }
    // The application role has no UPDATE or DELETE privilege on it at all.
    await expect(t.database.tenant(tenant.org.id, (tx) => tx.execute(sql`delete from audit_events`))).rejects.toThrow();
  });

  it('keeps one gap-free chain under concurrent appends', async () => {
    const { tenant, auditor } = await tenantWithTrail();
    await Promise.all(
      Array.from({ length: 25 }, (_, i) =>
        t.database.tenant(tenant.org.id, (tx) =>
          appendAudit(tx, {
            orgId: tenant.org.id,
            author: systemAuthor(tenant.org.id),
            action: 'audit.exported',
            resourceType: 'audit_trail',
            resourceId: String(i),
          }),
        ),
      ),
    );
    const verify = (await t.request(auditor, { method: 'GET', url: '/api/audit/verify' })).json();
    expect(verify.ok).toBe(true);
    const { rows } = await t.admin.query(
      'select count(*)::int as n, max(seq)::int as max from audit_events where org_id = $1',
      [tenant.org.id],
    );
    expect(rows[0].n).toBe(rows[0].max);
  });

  it('never stores secrets: passwords in values are redacted', async () => {
    const { tenant } = await tenantWithTrail();
    await t.database.tenant(tenant.org.id, (tx) =>
      appendAudit(tx, {
        orgId: tenant.org.id,
        author: systemAuthor(tenant.org.id),
        action: 'audit.exported',
        resourceType: 'audit_trail',
        resourceId: 'secret-test',
        newValues: { temporaryPassword: 'Hunter2-Hunter2', nested: { refreshToken: 'abc' }, mustChangePassword: true },
      }),
    );
    const { rows } = await t.admin.query(
      `select new_values from audit_events where org_id = $1 and resource_id = 'secret-test'`,
      [tenant.org.id],
    );
    expect(rows[0].new_values).toEqual({
      temporaryPassword: '[redacted]',
      nested: { refreshToken: '[redacted]' },
      mustChangePassword: true,
    });
    // And no password ever reaches the trail through the API either.
    const admin = await tenant.as('org_admin');
    const created = await t.request(admin, {
      method: 'POST',
      url: '/api/users',
      payload: { email: 'redaction@test.cdp.local', name: 'R', temporaryPassword: 'Temporary-Pass-Audit-42' },
    });
    expect(created.statusCode, created.body).toBe(201);
    const { rows: all } = await t.admin.query(
      'select new_values::text as v from audit_events where new_values is not null',
    );
    for (const row of all) expect(row.v).not.toMatch(/Temporary-Pass|Tessellate|\$argon2/);
  });
});
