import { createHmac } from 'node:crypto';
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import { api, type BenchServer, DEMO_PASSWORD } from './server.ts';

const EVENTS = Number(process.env.BENCH_WEBHOOK_EVENTS ?? 1000);
/** Send-test requests in flight at once while the events are created. */
const SENDERS = 10;
const DEADLINE_MS = 10 * 60_000;

function percentile(sorted: number[], p: number): number {
  const index = Math.min(sorted.length - 1, Math.ceil((p / 100) * sorted.length) - 1);
  return sorted[Math.max(0, index)] ?? Number.NaN;
}

/**
 * 1,000 events through the product: `POST /api/webhooks/:id/test` writes each to the outbox with its
 * job, the worker of `cdp start` delivers them to a receiver on 127.0.0.1 that checks every
 * signature. Reports the time from the first event to the last delivery, event-to-receipt latency
 * and failures (bad signatures, duplicates, deliveries that did not succeed).
 */
export async function benchWebhooks(server: BenchServer) {
  const token = (
    await api<{ accessToken: string }>(`${server.url}/api/auth/login`, null, 'POST', {
      email: 'admin@demo.cdp.local',
      password: DEMO_PASSWORD,
    })
  ).accessToken;

  const arrivals = new Map<string, number>();
  let badSignatures = 0;
  let duplicates = 0;
  let secret = '';
  let allArrived: () => void = () => {};
  const done = new Promise<void>((resolve) => {
    allArrived = resolve;
  });
  const receiver = http.createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on('data', (c: Buffer) => chunks.push(c));
    req.on('end', () => {
      const body = Buffer.concat(chunks).toString('utf8');
      const id = String(req.headers['webhook-id']);
      const expected = createHmac('sha256', Buffer.from(secret.slice(6), 'base64'))
        .update(`${id}.${req.headers['webhook-timestamp']}.${body}`)
        .digest('base64');
      if (!String(req.headers['webhook-signature']).split(' ').includes(`v1,${expected}`)) badSignatures += 1;
      if (arrivals.has(id)) duplicates += 1;
      else arrivals.set(id, performance.now());
      res.end('ok');
      if (arrivals.size >= EVENTS) allArrived();
    });
  });
  await new Promise<void>((resolve) => receiver.listen(0, '127.0.0.1', resolve));
  const port = (receiver.address() as AddressInfo).port;

  try {
    const created = await api<{ data: { id: string }; secret: string }>(`${server.url}/api/webhooks`, token, 'POST', {
      url: `http://127.0.0.1:${port}/bench`,
      events: ['webhook.test'],
      description: 'webhook benchmark',
    });
    secret = created.secret;
    const endpointId = created.data.id;

    const sentAt = new Map<string, number>();
    let sendErrors = 0;
    const started = performance.now();
    let next = 0;
    await Promise.all(
      Array.from({ length: SENDERS }, async () => {
        while (next < EVENTS) {
          next += 1;
          try {
            const sent = await api<{ data: { eventId: string } }>(
              `${server.url}/api/webhooks/${endpointId}/test`,
              token,
              'POST',
            );
            sentAt.set(sent.data.eventId, performance.now());
          } catch {
            sendErrors += 1;
          }
        }
      }),
    );
    const allSentMs = performance.now() - started;
    const timedOut = await Promise.race([
      done.then(() => false),
      new Promise<boolean>((resolve) => setTimeout(() => resolve(true), DEADLINE_MS)),
    ]);
    const lastArrival = Math.max(...arrivals.values());
    const latencies = [...sentAt.entries()]
      .map(([id, at]) => (arrivals.get(id) ?? Number.NaN) - at)
      .filter((ms) => Number.isFinite(ms))
      .sort((a, b) => a - b);

    // What the product itself recorded.
    const statuses = new Map<string, number>();
    for (let page = 1; ; page += 1) {
      const batch = await api<{ data: { status: string }[]; page: { total: number } }>(
        `${server.url}/api/webhooks/${endpointId}/deliveries?page=${page}&pageSize=100`,
        token,
        'GET',
      );
      for (const d of batch.data) statuses.set(d.status, (statuses.get(d.status) ?? 0) + 1);
      if (page * 100 >= batch.page.total) break;
    }

    const totalMs = lastArrival - started;
    return {
      events: EVENTS,
      senders: SENDERS,
      eventsCreatedInMs: Math.round(allSentMs),
      firstEventToLastDeliveryMs: Math.round(totalMs),
      deliveredPerSecond: Math.round((arrivals.size / totalMs) * 1000 * 10) / 10,
      received: arrivals.size,
      eventToReceiptMs: {
        p50: Math.round(percentile(latencies, 50)),
        p95: Math.round(percentile(latencies, 95)),
        max: Math.round(latencies.at(-1) ?? Number.NaN),
      },
      failures: {
        sendErrors,
        badSignatures,
        duplicates,
        notReceived: EVENTS - arrivals.size,
        deliveriesNotSucceeded: [...statuses.entries()]
          .filter(([status]) => status !== 'succeeded')
          .reduce((n, [, count]) => n + count, 0),
      },
      deliveryStatuses: Object.fromEntries(statuses),
      timedOut,
      note: 'cdp start (API and worker in one process), receiver on 127.0.0.1 answering 200 at once; webhooks.deliver takes 50 jobs per fetch, every 0.5 s',
    };
  } finally {
    receiver.closeAllConnections();
    await new Promise((resolve) => receiver.close(resolve));
  }
}
