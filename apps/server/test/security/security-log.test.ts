import type { PlatformSecurityEvent, SecurityEvent } from '@cdp/contracts';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { SecurityLog } from '../../src/lib/security-log.ts';
import { type Session, startTestApp, type Tenant, type TestApp } from '../harness.ts';

/**
 * The security log: what lands in it, whose log it lands in, who may read it, and that a flood
 * grows counters instead of the table.
 */

let t: TestApp;
let victim: Tenant;
let prober: Tenant;
let victimAdmin: Session;
let proberAdmin: Session;
let platform: Session;

const PROBER_IP = '203.0.113.45';

async function tenantLog(session: Session, query = ''): Promise<SecurityEvent[]> {
  const res = await t.request(session, { method: 'GET', url: `/api/security-events?pageSize=500${query}` });
  expect(res.statusCode, res.body).toBe(200);
  return res.json().data;
}

async function platformLog(query = ''): Promise<PlatformSecurityEvent[]> {
  const res = await t.request(platform, { method: 'GET', url: `/api/platform/security-events?pageSize=500${query}` });
  expect(res.statusCode, res.body).toBe(200);
  return res.json().data;
}

beforeAll(async () => {
  t = await startTestApp();
  victim = await t.tenant();
  prober = await t.tenant();
  victimAdmin = await victim.as('org_admin');
  proberAdmin = await prober.as('org_admin');
  platform = await t.login('platform@cdp.local');
});
afterAll(() => t.close());

describe('what is recorded, and where', () => {
  it('a denied permission goes into the actor’s own organization’s log, with the permission', async () => {
    const monitor = await victim.as('clinical_monitor');
    const res = await t.request(monitor, {
      method: 'PATCH',
      url: `/api/studies/${victim.study.id}`,
      payload: { name: 'Not allowed' },
    });
    expect(res.statusCode).toBe(403);
    const events = (await tenantLog(victimAdmin, '&kind=permission_denied')).filter(
      (e) => e.actor?.id === monitor.user.id,
    );
    expect(events).toHaveLength(1);
    expect(events[0]).toMatchObject({
      count: 1,
      method: 'PATCH',
      route: '/api/studies/:id',
      status: 403,
      detail: { missingPermission: 'study:manage:assigned' },
      actor: { label: monitor.user.email },
      redacted: false,
    });
  });

  it('a probe of another organization’s real resource: in full for the platform, without who for the victim, nothing for the prober', async () => {
    const probe = await t.app.inject({
      method: 'GET',
      url: `/api/studies/${victim.study.id}`,
      headers: { authorization: `Bearer ${proberAdmin.token}`, 'user-agent': 'probe-agent/1.0' },
      remoteAddress: PROBER_IP,
    });
    expect(probe.statusCode).toBe(404);
    // An id that exists nowhere is an ordinary 404, not an event.
    const nothing = await t.request(proberAdmin, {
      method: 'GET',
      url: '/api/studies/00000000-0000-4000-8000-00000000abcd',
    });
    expect(nothing.statusCode).toBe(404);

    const full = (await platformLog('&kind=cross_tenant')).filter((e) => e.actor?.id === proberAdmin.user.id);
    expect(full).toHaveLength(1);
    expect(full[0]).toMatchObject({
      ip: PROBER_IP,
      userAgent: 'probe-agent/1.0',
      route: '/api/studies/:id',
      resourceType: 'studies',
      resourceIds: [victim.study.id],
      actorOrg: { id: prober.org.id },
      targetOrg: { id: victim.org.id },
      org: { kind: 'platform' },
    });

    const told = (await tenantLog(victimAdmin, '&kind=cross_tenant')).filter((e) =>
      e.resourceIds.includes(victim.study.id),
    );
    expect(told).toHaveLength(1);
    expect(told[0]).toMatchObject({
      actor: null,
      ip: null,
      userAgent: null,
      redacted: true,
      route: '/api/studies/:id',
    });
    const victimView = JSON.stringify(await tenantLog(victimAdmin));
    for (const secret of [PROBER_IP, proberAdmin.user.email, proberAdmin.user.id, prober.org.id, 'probe-agent']) {
      expect(victimView).not.toContain(secret);
    }

    // The prober's administrator cannot use the log to learn which ids exist elsewhere.
    const proberView = JSON.stringify(await tenantLog(proberAdmin));
    expect(proberView).not.toContain(victim.study.id);
    expect(proberView).not.toContain('cross_tenant');
  });

  it('forged tokens go into the platform’s log; a reused refresh token into the user’s organization’s', async () => {
    const forged = `${proberAdmin.token.slice(0, -4)}AAAA`;
    const res = await t.app.inject({
      method: 'GET',
      url: '/api/me',
      headers: { authorization: `Bearer ${forged}` },
      remoteAddress: '198.51.100.200',
    });
    expect(res.statusCode).toBe(401);
    const bad = (await platformLog('&kind=invalid_token')).filter((e) => e.ip === '198.51.100.200');
    expect(bad).toHaveLength(1);
    expect(bad[0]).toMatchObject({
      route: '/api/me',
      status: 401,
      detail: { reason: 'ERR_JWS_SIGNATURE_VERIFICATION_FAILED' },
    });
    expect(JSON.stringify(await tenantLog(proberAdmin))).not.toContain('invalid_token');

    const user = await victim.as('auditor');
    await t.request(null, { method: 'POST', url: '/api/auth/refresh', headers: { cookie: user.cookie } });
    const reused = await t.request(null, {
      method: 'POST',
      url: '/api/auth/refresh',
      headers: { cookie: user.cookie },
    });
    expect(reused.statusCode).toBe(401);
    const events = (await tenantLog(victimAdmin, '&kind=refresh_reuse')).filter((e) => e.actor?.id === user.user.id);
    expect(events).toHaveLength(1);
    expect(events[0]?.resourceType).toBe('session');
  });
});

describe('who may read it', () => {
  it('org administrators read their own organization’s log only; others get 403; the platform reads all', async () => {
    for (const role of ['study_manager', 'data_scientist', 'clinical_monitor', 'auditor'] as const) {
      const session = await victim.as(role);
      const res = await t.request(session, { method: 'GET', url: '/api/security-events' });
      expect(res.statusCode, role).toBe(403);
    }
    const platformOnly = await t.request(victimAdmin, { method: 'GET', url: '/api/platform/security-events' });
    expect(platformOnly.statusCode).toBe(403);
    const { rows } = await t.admin.query<{ n: number }>('select count(distinct org_id)::int as n from security_events');
    expect(rows[0]?.n).toBeGreaterThanOrEqual(2);
    const orgs = new Set((await platformLog()).map((e) => e.org.id));
    expect(orgs.has(victim.org.id)).toBe(true);
  });

  it('the platform can narrow to one organization, as actor, target or owner of the log', async () => {
    const events = await platformLog(`&orgId=${prober.org.id}`);
    expect(events.length).toBeGreaterThan(0);
    for (const e of events) {
      expect([e.org.id, e.actorOrg?.id, e.targetOrg?.id]).toContain(prober.org.id);
    }
  });
});

describe('floods', () => {
  it('1,000 identical denials are one row with a count of 1,000', async () => {
    const monitor = await victim.as('clinical_monitor');
    const requests = Array.from({ length: 1_000 }, () =>
      t.request(monitor, {
        method: 'POST',
        url: '/api/studies',
        payload: { code: 'FLOOD-1', name: 'Flood study', phase: 'I' },
      }),
    );
    for (let i = 0; i < requests.length; i += 200) {
      const statuses = new Set((await Promise.all(requests.slice(i, i + 200))).map((r) => r.statusCode));
      expect([...statuses]).toEqual([403]);
    }
    await t.app.securityLog.flush();
    const { rows } = await t.admin.query<{ rows: number; total: number }>(
      `select count(*)::int as rows, sum(count)::int as total from security_events
       where org_id = $1 and kind = 'permission_denied' and actor_id = $2`,
      [victim.org.id, monitor.user.id],
    );
    expect(rows[0]?.total).toBe(1_000);
    // One per minute window: a run that crosses a minute boundary makes two.
    expect(rows[0]?.rows).toBeLessThanOrEqual(2);
  });

  it('distinct events beyond the per-window cap are counted in one overflow row, not stored one by one', async () => {
    const log = new SecurityLog(t.database, t.ctx.log, { maxRowsPerWindow: 10, windowMs: 3_600_000 });
    try {
      const at = new Date();
      for (let i = 0; i < 500; i++) {
        log.record(
          { orgId: victim.org.id, kind: 'rate_limited', ip: `10.9.${Math.floor(i / 250)}.${i % 250}`, route: '/flood' },
          at,
        );
      }
      await log.flush();
      const { rows } = await t.admin.query<{ rows: number; total: number; overflow: number }>(
        `select count(*)::int as rows, sum(count)::int as total,
                sum(count) filter (where detail->>'overflow' = 'true')::int as overflow
         from security_events where org_id = $1 and kind = 'rate_limited' and (route = '/flood' or detail ? 'overflow')`,
        [victim.org.id],
      );
      expect(rows[0]).toEqual({ rows: 11, total: 500, overflow: 490 });
    } finally {
      await log.close();
    }
  });
});
