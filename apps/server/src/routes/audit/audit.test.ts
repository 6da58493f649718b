import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startTestApp, type TestApp } from '../../../test/harness.ts';

let t: TestApp;
beforeAll(async () => {
  t = await startTestApp({ trustProxy: true });
});
afterAll(() => t.close());

async function busyTenant() {
  const tenant = await t.tenant();
  const admin = await tenant.as('org_admin');
  const auditor = await tenant.as('auditor');
  for (const [i, name] of ['Alpha', 'Beta', 'Gamma'].entries()) {
    const res = await t.request(admin, {
      method: 'POST',
      url: '/api/studies',
      payload: { code: `AUD-${i}`, name: `${name} study`, phase: 'II' },
    });
    expect(res.statusCode).toBe(201);
  }
  return { tenant, admin, auditor };
}

describe('audit trail', () => {
  it('records each change in the same transaction, with actor, old and new values, reason, IP and user agent', async () => {
    const { tenant, admin, auditor } = await busyTenant();
    const status = await t.request(admin, {
      method: 'POST',
      url: `/api/studies/${tenant.study.id}/status`,
      payload: { status: 'archived', reason: 'Study terminated early' },
      headers: { 'user-agent': 'AuditTest/1.0', 'x-forwarded-for': '203.0.113.9' },
    });
    expect(status.statusCode).toBe(200);
    const res = await t.request(auditor, {
      method: 'GET',
      url: `/api/audit?resourceType=study&resourceId=${tenant.study.id}`,
    });
    expect(res.statusCode).toBe(200);
    const [event] = res.json().data;
    expect(event).toMatchObject({
      action: 'study.archived',
      actor: { type: 'user', id: admin.user.id, label: admin.user.email },
      oldValues: { status: 'active' },
      newValues: { status: 'archived' },
      reason: 'Study terminated early',
      ip: '203.0.113.9',
      userAgent: 'AuditTest/1.0',
    });
    expect(event.createdAt).toMatch(/^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{6}Z$/);
    expect(event.hash).toMatch(/^[0-9a-f]{64}$/);
  });

  it('writes nothing when the change fails', async () => {
    const { tenant, admin } = await busyTenant();
    const before = await t.admin.query('select count(*)::int as n from audit_events where org_id = $1', [
      tenant.org.id,
    ]);
    const dup = await t.request(admin, {
      method: 'POST',
      url: '/api/studies',
      payload: { code: 'AUD-0', name: 'Dup', phase: 'II' },
    });
    expect(dup.statusCode).toBe(409);
    const after = await t.admin.query('select count(*)::int as n from audit_events where org_id = $1', [tenant.org.id]);
    expect(after.rows[0].n).toBe(before.rows[0].n);
  });

  it('filters by time, actor, action (exact or prefix) and resource, newest first, paged', async () => {
    const { tenant, admin, auditor } = await busyTenant();
    const get = async (query: string) =>
      (await t.request(auditor, { method: 'GET', url: `/api/audit?${query}` })).json();

    const studies = await get('action=study.created');
    expect(studies.page.total).toBe(3);
    expect(studies.data.map((e: { seq: number }) => e.seq)).toEqual(
      [...studies.data.map((e: { seq: number }) => e.seq)].sort((a, b) => b - a),
    );
    expect((await get('action=auth.')).data.every((e: { action: string }) => e.action.startsWith('auth.'))).toBe(true);
    expect(
      (await get(`actor=${admin.user.id}`)).data.every((e: { actor: { id: string } }) => e.actor.id === admin.user.id),
    ).toBe(true);
    expect((await get(`actor=${encodeURIComponent(admin.user.email.slice(0, 12))}`)).page.total).toBeGreaterThan(0);
    const page = await get('pageSize=2&page=2');
    expect(page).toMatchObject({ page: { number: 2, size: 2 } });
    expect(page.data).toHaveLength(2);
    const future = new Date(Date.now() + 3_600_000).toISOString();
    expect((await get(`from=${encodeURIComponent(future)}`)).page.total).toBe(0);
    expect((await get(`to=${encodeURIComponent(future)}&action=study.created`)).page.total).toBe(3);
    // Quotes and SQL in a filter are plain data.
    expect((await get(`actor=${encodeURIComponent("x' or '1'='1")}`)).page.total).toBe(0);
    expect((await get(`resourceId=${tenant.study.id}`)).page.total).toBeGreaterThanOrEqual(0);
  });

  it('verifies an intact chain', async () => {
    const { auditor } = await busyTenant();
    const res = await t.request(auditor, { method: 'GET', url: '/api/audit/verify' });
    expect(res.statusCode).toBe(200);
    const body = res.json();
    expect(body).toMatchObject({ ok: true, firstBrokenSequence: null });
    expect(body.checked).toBeGreaterThan(3);
  });

  it('reports the first broken event when a row is changed behind its back by the database superuser', async () => {
    const { tenant, auditor } = await busyTenant();
    const { rows } = await t.admin.query<{ seq: string }>(
      `select seq from audit_events where org_id = $1 and action = 'study.created' order by seq limit 1 offset 1`,
      [tenant.org.id],
    );
    const seq = Number(rows[0]?.seq);
    const client = await t.admin.connect();
    try {
      // The superuser can switch triggers off; the chain still gives the edit away.
      await client.query('set session_replication_role = replica');
      await client.query(
        `update audit_events set new_values = jsonb_set(new_values, '{name}', '"Forged"') where org_id = $1 and seq = $2`,
        [tenant.org.id, seq],
      );
    } finally {
      await client.query('set session_replication_role = origin');
      client.release();
    }
    const res = await t.request(auditor, { method: 'GET', url: '/api/audit/verify' });
    expect(res.json()).toMatchObject({ ok: false, firstBrokenSequence: seq, checked: seq - 1 });
    expect(res.json().problem).toMatch(/changed after it was written/);
  });

  it('notices a deleted event and a removed tail', async () => {
    const { tenant, auditor } = await busyTenant();
    const client = await t.admin.connect();
    try {
      await client.query('set session_replication_role = replica');
      await client.query('delete from audit_events where org_id = $1 and seq = 2', [tenant.org.id]);
    } finally {
      await client.query('set session_replication_role = origin');
      client.release();
    }
    const middle = (await t.request(auditor, { method: 'GET', url: '/api/audit/verify' })).json();
    expect(middle).toMatchObject({ ok: false, firstBrokenSequence: 2 });

    const other = await busyTenant();
    const last = await t.admin.query<{ seq: string }>('select max(seq) as seq from audit_events where org_id = $1', [
      other.tenant.org.id,
    ]);
    const client2 = await t.admin.connect();
    try {
      await client2.query('set session_replication_role = replica');
      await client2.query('delete from audit_events where org_id = $1 and seq = $2', [
        other.tenant.org.id,
        last.rows[0]?.seq,
      ]);
    } finally {
      await client2.query('set session_replication_role = origin');
      client2.release();
    }
    const tail = (await t.request(other.auditor, { method: 'GET', url: '/api/audit/verify' })).json();
    expect(tail).toMatchObject({ ok: false, firstBrokenSequence: Number(last.rows[0]?.seq) });
  });

  it('exports CSV with the same filters, records the export, and neutralises spreadsheet formulas', async () => {
    const { tenant, auditor, admin } = await busyTenant();
    const lock = await t.request(admin, {
      method: 'POST',
      url: `/api/studies/${tenant.study.id}/status`,
      payload: { status: 'locked', reason: '=HYPERLINK("http://evil.example","click")' },
    });
    expect(lock.statusCode).toBe(200);
    const res = await t.request(auditor, { method: 'GET', url: '/api/audit/export?resourceType=study' });
    expect(res.statusCode).toBe(200);
    expect(res.headers['content-type']).toMatch(/^text\/csv/);
    expect(res.headers['content-disposition']).toMatch(/attachment; filename="audit-.*\.csv"/);
    const lines = res.body.trim().split('\r\n');
    expect(lines[0]).toBe(
      'sequence,time_utc,actor_type,actor_id,actor,action,resource_type,resource_id,resource,old_values,new_values,reason,ip,user_agent,prev_hash,hash',
    );
    expect(lines).toHaveLength(1 + 3 + 1); // header, three studies created, one locked
    expect(lines.at(-1)).toContain('study.status_changed');
    expect(lines.at(-1)).toContain(`"'=HYPERLINK(""http://evil.example"",""click"")"`);
    const exported = await t.request(auditor, { method: 'GET', url: '/api/audit?action=audit.exported' });
    expect(exported.json().page.total).toBe(1);
    // raw=true (for programs, e.g. to recompute the hash chain): the reason exactly as recorded.
    const raw = await t.request(auditor, { method: 'GET', url: '/api/audit/export?resourceType=study&raw=true' });
    expect(raw.statusCode).toBe(200);
    expect(raw.body.trim().split('\r\n').at(-1)).toContain(`"=HYPERLINK(""http://evil.example"",""click"")"`);
    const rawEvent = await t.request(auditor, { method: 'GET', url: '/api/audit?action=audit.exported' });
    expect(
      rawEvent
        .json()
        .data.map((e: { newValues: { raw?: boolean } }) => e.newValues.raw ?? false)
        .sort(),
    ).toEqual([false, true]);
  });
});
