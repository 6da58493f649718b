import { createHmac, timingSafeEqual } from 'node:crypto';
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { multipartFile, type Session, startTestApp, type Tenant, type TestApp } from '../../../test/harness.ts';
import { testDatabase } from '../../../test/test-database.ts';
import { startWorker, type Worker } from '../../jobs/queue.ts';
import { deliverWebhook } from '../../webhooks/deliver-webhook.ts';
import { recordWebhookEvent } from '../../webhooks/record-webhook-event.ts';
import { WEBHOOK_MAX_ATTEMPTS, WEBHOOK_RETRY_DELAYS_SECONDS } from '../../webhooks/retry-schedule.ts';

/** A real receiver on 127.0.0.1: records what arrives, answers as the test tells it to. */
interface Received {
  path: string;
  headers: http.IncomingHttpHeaders;
  body: string;
}
const received: Received[] = [];
let answer: (path: string, res: http.ServerResponse) => void = (_path, res) => res.end('thanks');
let receiver: http.Server;
let base = '';

let t: TestApp;
let tenant: Tenant;
let admin: Session;

beforeAll(async () => {
  receiver = http.createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on('data', (c: Buffer) => chunks.push(c));
    req.on('end', () => {
      const path = req.url ?? '/';
      received.push({ path, headers: req.headers, body: Buffer.concat(chunks).toString('utf8') });
      answer(path, res);
    });
  });
  await new Promise<void>((resolve) => receiver.listen(0, '127.0.0.1', resolve));
  base = `http://127.0.0.1:${(receiver.address() as AddressInfo).port}`;
  t = await startTestApp({ webhookAllowPrivate: true, webhookTimeoutMs: 1000 });
  tenant = await t.tenant();
  admin = await tenant.as('org_admin');
});
afterAll(async () => {
  await t.close();
  receiver.closeAllConnections();
  await new Promise((resolve) => receiver.close(resolve));
});

/** Standard Webhooks verification, written out here apart from the server's signer. */
function verifies(secret: string, headers: http.IncomingHttpHeaders, body: string): boolean {
  const key = Buffer.from(secret.replace(/^whsec_/, ''), 'base64');
  const expected = createHmac('sha256', key)
    .update(`${headers['webhook-id']}.${headers['webhook-timestamp']}.${body}`)
    .digest();
  return String(headers['webhook-signature'])
    .split(' ')
    .some((entry) => {
      const [version, signature] = entry.split(',');
      const given = Buffer.from(signature ?? '', 'base64');
      return version === 'v1' && given.length === expected.length && timingSafeEqual(given, expected);
    });
}

async function createEndpoint(path: string, events = ['data_version.created', 'data_version.activated']) {
  const res = await t.request(admin, {
    method: 'POST',
    url: '/api/webhooks',
    payload: { url: `${base}${path}`, events, description: 'warehouse loader' },
  });
  expect(res.statusCode, res.body).toBe(201);
  return res.json() as { data: { id: string }; secret: string };
}

async function deliveriesOf(endpointId: string) {
  const res = await t.request(admin, { method: 'GET', url: `/api/webhooks/${endpointId}/deliveries` });
  expect(res.statusCode, res.body).toBe(200);
  return res.json().data as {
    id: string;
    status: string;
    eventId: string;
    eventType: string;
    attempts: number;
    nextAttemptAt: string | null;
    lastAttemptAt: string | null;
    payload: { id: string; type: string; data: Record<string, unknown> };
    log: {
      number: number;
      ok: boolean;
      statusCode: number | null;
      latencyMs: number;
      responseExcerpt: string | null;
      error: string | null;
    }[];
  }[];
}

describe('webhook endpoints', () => {
  it('shows the secret once: never in the list, the endpoint, or the audit trail', async () => {
    const { data, secret } = await createEndpoint('/once');
    expect(secret).toMatch(/^whsec_[A-Za-z0-9+/]+=*$/);
    expect(Buffer.from(secret.slice(6), 'base64')).toHaveLength(32);
    const list = await t.request(admin, { method: 'GET', url: '/api/webhooks' });
    const one = await t.request(admin, { method: 'GET', url: `/api/webhooks/${data.id}` });
    expect(list.body).toContain(data.id);
    for (const body of [list.body, one.body]) expect(body).not.toContain(secret.slice(6, 30));
    const rotated = await t.request(admin, {
      method: 'POST',
      url: `/api/webhooks/${data.id}/rotate-secret`,
      payload: { overlapHours: 2 },
    });
    expect(rotated.statusCode, rotated.body).toBe(200);
    const { rows } = await t.admin.query<{ text: string }>(
      'select row_to_json(a)::text as text from audit_events a where org_id = $1',
      [tenant.org.id],
    );
    expect(rows.map((r) => r.text).join('\n')).toContain('webhook_endpoint.secret_rotated');
    for (const r of rows) {
      expect(r.text).not.toContain(secret.slice(6, 30));
      expect(r.text).not.toContain(rotated.json().secret.slice(6, 30));
    }
  });

  it('refuses unknown events and bad URLs, naming the field', async () => {
    const events = await t.request(admin, {
      method: 'POST',
      url: '/api/webhooks',
      payload: { url: `${base}/x`, events: ['export.completed'] },
    });
    expect(events.statusCode).toBe(400);
    expect(events.body).toContain('Unknown event type');
    const url = await t.request(admin, {
      method: 'POST',
      url: '/api/webhooks',
      payload: { url: 'ftp://example.com/x', events: ['webhook.test'] },
    });
    expect(url.statusCode).toBe(400);
    expect(url.json().error.details.issues[0].path).toBe('body.url');
  });

  it('refuses plain HTTP and private addresses unless WEBHOOK_ALLOW_PRIVATE is set', async () => {
    const strict = await startTestApp();
    try {
      const tenantB = await strict.tenant();
      const who = await tenantB.as('org_admin');
      for (const url of [
        'http://example.com/hook',
        'https://127.0.0.1/hook',
        'https://[::1]/hook',
        'https://169.254.169.254/',
      ]) {
        const res = await strict.request(who, {
          method: 'POST',
          url: '/api/webhooks',
          payload: { url, events: ['webhook.test'] },
        });
        expect(res.statusCode, url).toBe(400);
        expect(res.json().error.message).toMatch(/plain HTTP|private, loopback or link-local/);
      }
      // A name is judged by what it resolves to: localhost is accepted as a URL, refused when sent.
      const created = await strict.request(who, {
        method: 'POST',
        url: '/api/webhooks',
        payload: { url: 'https://localhost:9/hook', events: ['webhook.test'] },
      });
      expect(created.statusCode, created.body).toBe(201);
      const id = created.json().data.id;
      const test = await strict.request(who, { method: 'POST', url: `/api/webhooks/${id}/test` });
      expect(test.statusCode).toBe(202);
      const outcome = await deliverWebhook(strict.ctx, {
        orgId: tenantB.org.id,
        deliveryId: test.json().data.deliveryId,
      });
      expect(outcome.status).toBe('failed');
      const log = await strict.request(who, { method: 'GET', url: `/api/webhooks/${id}/deliveries` });
      expect(log.json().data[0].log[0].error).toMatch(/^refused: localhost resolves to (127\.0\.0\.1|::1)/);
    } finally {
      await strict.close();
    }
  });
});

describe('events and deliveries', () => {
  it('an upload writes data_version.created and .activated to the outbox with their jobs, in its transaction', async () => {
    const { data: endpoint, secret } = await createEndpoint('/loads');
    const upload = await t.request(admin, {
      method: 'POST',
      url: `/api/studies/${tenant.study.id}/uploads`,
      ...multipartFile('dm.csv', 'USUBJID,AGE\nS-001,63\nS-002,58\n'),
    });
    expect(upload.statusCode, upload.body).toBe(201);
    const versionId = upload.json().data.id;
    const deliveries = await deliveriesOf(endpoint.id);
    expect(deliveries.map((d) => d.eventType).sort()).toEqual(['data_version.activated', 'data_version.created']);
    const created = deliveries.find((d) => d.eventType === 'data_version.created');
    expect(created?.payload.data).toMatchObject({
      studyId: tenant.study.id,
      studyCode: tenant.study.code,
      versionId,
      datasets: [{ name: 'dm', rows: 2 }],
    });
    const { rows: jobs } = await t.admin.query<{ data: { deliveryId: string } }>(
      `select data from pgboss.job where name = 'webhooks.deliver' and data->>'orgId' = $1`,
      [tenant.org.id],
    );
    expect(jobs.map((j) => j.data.deliveryId).sort()).toEqual(
      expect.arrayContaining(deliveries.map((d) => d.id).sort()),
    );

    // Delivered as Standard Webhooks: id, timestamp, a signature over id.timestamp.body.
    received.length = 0;
    for (const d of deliveries) {
      expect((await deliverWebhook(t.ctx, { orgId: tenant.org.id, deliveryId: d.id })).status).toBe('succeeded');
    }
    expect(received).toHaveLength(2);
    for (const r of received) {
      expect(r.path).toBe('/loads');
      expect(r.headers['content-type']).toBe('application/json');
      expect(Math.abs(Number(r.headers['webhook-timestamp']) - Date.now() / 1000)).toBeLessThan(30);
      expect(r.headers['webhook-signature']).toMatch(/^v1,[A-Za-z0-9+/]+=*$/);
      expect(verifies(secret, r.headers, r.body)).toBe(true);
      expect(verifies(secret, r.headers, `${r.body} `)).toBe(false);
      const body = JSON.parse(r.body);
      expect(Object.keys(body).sort()).toEqual(['createdAt', 'data', 'id', 'organizationId', 'type']);
      expect(body.id).toBe(r.headers['webhook-id']);
      expect(body.organizationId).toBe(tenant.org.id);
    }
    const after = await deliveriesOf(endpoint.id);
    expect(after.every((d) => d.status === 'succeeded' && d.attempts === 1)).toBe(true);
    expect(after[0]?.log[0]).toMatchObject({ ok: true, statusCode: 200, responseExcerpt: 'thanks', error: null });

    // Activating the earlier version later sends data_version.activated again, with roll-back flagged.
    const second = await t.request(admin, {
      method: 'POST',
      url: `/api/studies/${tenant.study.id}/uploads`,
      ...multipartFile('dm.csv', 'USUBJID,AGE\nS-001,63\n'),
    });
    const activate = await t.request(admin, {
      method: 'POST',
      url: `/api/studies/${tenant.study.id}/versions/${second.json().data.id}/activate`,
      payload: { reason: 'second load checked' },
    });
    expect(activate.statusCode, activate.body).toBe(200);
    const latest = (await deliveriesOf(endpoint.id))[0];
    expect(latest?.payload).toMatchObject({
      type: 'data_version.activated',
      data: {
        versionId: second.json().data.id,
        previousVersionId: versionId,
        rollBack: false,
        reason: 'second load checked',
      },
    });
  });

  it('a change that rolls back leaves no event, no delivery and no job', async () => {
    const { data: endpoint } = await createEndpoint('/rollback', ['webhook.test']);
    let eventId = '';
    await expect(
      t.database.tenant(tenant.org.id, async (tx) => {
        eventId = (await recordWebhookEvent(tx, tenant.org.id, 'webhook.test', { n: 1 })).eventId;
        throw new Error('the change failed');
      }),
    ).rejects.toThrow('the change failed');
    expect(eventId).not.toBe('');
    const { rows } = await t.admin.query(
      `select (select count(*)::int from webhook_events where id = $1) as events,
              (select count(*)::int from webhook_deliveries where endpoint_id = $2) as deliveries,
              (select count(*)::int from pgboss.job where name = 'webhooks.deliver' and data->>'orgId' = $3
                 and created_on > now() - interval '5 seconds'
                 and data->>'deliveryId' not in (select id::text from webhook_deliveries)) as orphan_jobs`,
      [eventId, endpoint.id, tenant.org.id],
    );
    expect(rows[0]).toEqual({ events: 0, deliveries: 0, orphan_jobs: 0 });
  });

  it('Send test goes through the queue to the receiver, and the log shows the answer', async () => {
    const { data: endpoint, secret } = await createEndpoint('/test-me', ['data_version.created']);
    received.length = 0;
    let worker: Worker | undefined;
    try {
      worker = await startWorker(t.ctx, testDatabase().appUrl);
      const sent = await t.request(admin, { method: 'POST', url: `/api/webhooks/${endpoint.id}/test` });
      expect(sent.statusCode, sent.body).toBe(202);
      let status = 'pending';
      for (let i = 0; i < 100 && status === 'pending'; i += 1) {
        await new Promise((r) => setTimeout(r, 200));
        status = (await deliveriesOf(endpoint.id))[0]?.status ?? 'pending';
      }
      expect(status).toBe('succeeded');
    } finally {
      await worker?.stop();
    }
    const hit = received.find((r) => r.path === '/test-me');
    expect(hit && JSON.parse(hit.body).type).toBe('webhook.test');
    expect(hit && verifies(secret, hit.headers, hit.body)).toBe(true);
  }, 60_000);

  it('retries on the schedule, then disables the endpoint with a notice and an audit event', async () => {
    const { data: endpoint } = await createEndpoint('/broken', ['webhook.test', 'data_version.created']);
    answer = (path, res) => {
      if (path === '/broken') res.writeHead(500).end('database down');
      else res.end('thanks');
    };
    try {
      await t.database.tenant(tenant.org.id, (tx) =>
        recordWebhookEvent(tx, tenant.org.id, 'data_version.created', { studyId: tenant.study.id }),
      );
      const deliveryId = (await deliveriesOf(endpoint.id))[0]?.id as string;
      const first = await deliverWebhook(t.ctx, { orgId: tenant.org.id, deliveryId });
      expect(first).toEqual({ status: 'retrying', attempt: 1, statusCode: 500 });
      const [afterFirst] = (await deliveriesOf(endpoint.id)).filter((d) => d.id === deliveryId);
      const wait = (Date.parse(afterFirst?.nextAttemptAt ?? '') - Date.parse(afterFirst?.lastAttemptAt ?? '')) / 1000;
      expect(wait).toBeGreaterThanOrEqual(WEBHOOK_RETRY_DELAYS_SECONDS[0]);
      expect(wait).toBeLessThan(WEBHOOK_RETRY_DELAYS_SECONDS[0] + 3);
      const { rows: next } = await t.admin.query<{ delay: number }>(
        `select extract(epoch from start_after - created_on)::int as delay from pgboss.job
         where name = 'webhooks.deliver' and data->>'deliveryId' = $1 order by created_on desc limit 1`,
        [deliveryId],
      );
      expect(next[0]?.delay).toBe(WEBHOOK_RETRY_DELAYS_SECONDS[0]);
      // The whole schedule is about a day.
      const total = WEBHOOK_RETRY_DELAYS_SECONDS.reduce((a, b) => a + b, 0) / 3600;
      expect(total).toBeGreaterThan(20);
      expect(total).toBeLessThan(30);

      for (let attempt = 2; attempt <= WEBHOOK_MAX_ATTEMPTS; attempt += 1) {
        const outcome = await deliverWebhook(t.ctx, { orgId: tenant.org.id, deliveryId });
        expect(outcome.status).toBe(attempt === WEBHOOK_MAX_ATTEMPTS ? 'failed' : 'retrying');
      }
      const [failed] = (await deliveriesOf(endpoint.id)).filter((d) => d.id === deliveryId);
      expect(failed?.status).toBe('failed');
      expect(failed?.log).toHaveLength(WEBHOOK_MAX_ATTEMPTS);
      expect(failed?.log.every((a) => a.statusCode === 500 && a.responseExcerpt === 'database down')).toBe(true);
      const shown = await t.request(admin, { method: 'GET', url: `/api/webhooks/${endpoint.id}` });
      expect(shown.json().data).toMatchObject({ enabled: false });
      expect(shown.json().data.disabledReason).toMatch(/^Disabled after 9 failed attempts .*HTTP 500/);
      const { rows: audit } = await t.admin.query(
        `select actor_type, reason from audit_events where resource_id = $1 and action = 'webhook_endpoint.disabled'`,
        [endpoint.id],
      );
      expect(audit).toHaveLength(1);
      expect(audit[0].actor_type).toBe('system');

      // Disabled: new events skip it, redelivery asks to enable it first, enabling clears the notice.
      const redeliver = await t.request(admin, {
        method: 'POST',
        url: `/api/webhooks/${endpoint.id}/deliveries/${deliveryId}/redeliver`,
      });
      expect(redeliver.statusCode).toBe(409);
      answer = (_path, res) => res.end('fixed');
      const enable = await t.request(admin, {
        method: 'PATCH',
        url: `/api/webhooks/${endpoint.id}`,
        payload: { enabled: true },
      });
      expect(enable.json().data).toMatchObject({ enabled: true, disabledReason: null });
      const again = await t.request(admin, {
        method: 'POST',
        url: `/api/webhooks/${endpoint.id}/deliveries/${deliveryId}/redeliver`,
      });
      expect(again.statusCode, again.body).toBe(202);
      const redelivery = again.json().data;
      expect(redelivery).toMatchObject({ redeliveryOf: deliveryId, status: 'pending', attempts: 0 });
      expect(redelivery.eventId).toBe(failed?.eventId);
      expect((await deliverWebhook(t.ctx, { orgId: tenant.org.id, deliveryId: redelivery.id })).status).toBe(
        'succeeded',
      );
    } finally {
      answer = (_path, res) => res.end('thanks');
    }
  }, 60_000);

  it('never follows a redirect, and gives up on a receiver that does not answer in time', async () => {
    const { data: endpoint } = await createEndpoint('/moved', ['webhook.test']);
    const { data: slow } = await createEndpoint('/slow', ['webhook.test']);
    answer = (path, res) => {
      if (path === '/moved') res.writeHead(302, { location: `${base}/elsewhere` }).end();
      else if (path === '/slow') setTimeout(() => res.end('too late'), 3000);
      else res.end('thanks');
    };
    received.length = 0;
    try {
      for (const id of [endpoint.id, slow.id]) {
        const sent = await t.request(admin, { method: 'POST', url: `/api/webhooks/${id}/test` });
        await deliverWebhook(t.ctx, { orgId: tenant.org.id, deliveryId: sent.json().data.deliveryId });
      }
      const moved = (await deliveriesOf(endpoint.id))[0];
      expect(moved?.log[0]).toMatchObject({ ok: false, statusCode: 302 });
      expect(moved?.log[0]?.error).toBe(`redirect (HTTP 302 to ${base}/elsewhere) not followed`);
      expect(received.some((r) => r.path === '/elsewhere')).toBe(false);
      const late = (await deliveriesOf(slow.id))[0];
      expect(late?.log[0]).toMatchObject({ ok: false, statusCode: null, error: 'timed out after 1000 ms' });
      expect(late?.log[0]?.latencyMs).toBeGreaterThanOrEqual(990);
      expect(late?.log[0]?.latencyMs).toBeLessThan(2500);
    } finally {
      answer = (_path, res) => res.end('thanks');
    }
  });

  it('during a rotation’s overlap both secrets sign; with no overlap only the new one', async () => {
    const { data: endpoint, secret: old } = await createEndpoint('/rotate', ['webhook.test']);
    const rotate = async (overlapHours: number) => {
      const res = await t.request(admin, {
        method: 'POST',
        url: `/api/webhooks/${endpoint.id}/rotate-secret`,
        payload: { overlapHours },
      });
      expect(res.statusCode, res.body).toBe(200);
      return res.json() as { secret: string; data: { previousSecretExpiresAt: string | null } };
    };
    const send = async () => {
      received.length = 0;
      const sent = await t.request(admin, { method: 'POST', url: `/api/webhooks/${endpoint.id}/test` });
      await deliverWebhook(t.ctx, { orgId: tenant.org.id, deliveryId: sent.json().data.deliveryId });
      const hit = received[0];
      if (!hit) throw new Error('nothing received');
      return hit;
    };
    const overlapping = await rotate(24);
    expect(Date.parse(overlapping.data.previousSecretExpiresAt ?? '') - Date.now()).toBeGreaterThan(23.9 * 3600_000);
    const both = await send();
    expect(String(both.headers['webhook-signature']).split(' ')).toHaveLength(2);
    expect(verifies(old, both.headers, both.body)).toBe(true);
    expect(verifies(overlapping.secret, both.headers, both.body)).toBe(true);

    const clean = await rotate(0);
    expect(clean.data.previousSecretExpiresAt).toBeNull();
    const one = await send();
    expect(String(one.headers['webhook-signature']).split(' ')).toHaveLength(1);
    expect(verifies(clean.secret, one.headers, one.body)).toBe(true);
    expect(verifies(overlapping.secret, one.headers, one.body)).toBe(false);
  });

  it('a deleted endpoint gets nothing more, and its pending deliveries are cancelled', async () => {
    const { data: endpoint } = await createEndpoint('/gone', ['webhook.test']);
    const sent = await t.request(admin, { method: 'POST', url: `/api/webhooks/${endpoint.id}/test` });
    const removed = await t.request(admin, { method: 'DELETE', url: `/api/webhooks/${endpoint.id}` });
    expect(removed.statusCode).toBe(200);
    expect(
      (await deliverWebhook(t.ctx, { orgId: tenant.org.id, deliveryId: sent.json().data.deliveryId })).status,
    ).toBe('skipped');
    expect((await t.request(admin, { method: 'GET', url: `/api/webhooks/${endpoint.id}` })).statusCode).toBe(404);
    const { rows } = await t.admin.query('select status from webhook_deliveries where endpoint_id = $1', [endpoint.id]);
    expect(rows).toEqual([{ status: 'cancelled' }]);
  });
});
