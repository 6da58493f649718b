import type { WebhookPayload } from '@cdp/contracts';
import { webhookAttempts, webhookDeliveries, webhookEndpoints, webhookEvents } from '@cdp/db';
import { and, eq, sql } from 'drizzle-orm';
import { appendAudit } from '../audit/audit-log.ts';
import { systemAuthor } from '../auth/author.ts';
import type { AppContext } from '../lib/context.ts';
import { postJson } from './outbound.ts';
import { enqueueDelivery } from './record-webhook-event.ts';
import { retryDelayAfter, WEBHOOK_MAX_ATTEMPTS } from './retry-schedule.ts';
import { signatureHeader } from './signature.ts';

export interface DeliveryOutcome {
  status: 'succeeded' | 'retrying' | 'failed' | 'cancelled' | 'skipped';
  attempt: number;
  statusCode: number | null;
}

/** The body every attempt of one event sends, byte for byte. */
export function webhookPayload(event: {
  id: string;
  type: string;
  createdAt: Date;
  orgId: string;
  data: Record<string, unknown>;
}): WebhookPayload {
  return {
    id: event.id,
    type: event.type,
    createdAt: event.createdAt.toISOString(),
    organizationId: event.orgId,
    data: event.data,
  };
}

/**
 * One attempt of one delivery (the `webhooks.deliver` job). The HTTP call happens outside any
 * transaction; its outcome, the next attempt's job and (after the last failed retry) disabling the
 * endpoint are written together afterwards. A test event is tried once and never disables anything.
 */
export async function deliverWebhook(
  ctx: AppContext,
  input: { orgId: string; deliveryId: string },
): Promise<DeliveryOutcome> {
  const { orgId, deliveryId } = input;
  const [row] = await ctx.database.tenant(orgId, (tx) =>
    tx
      .select({ delivery: webhookDeliveries, endpoint: webhookEndpoints, event: webhookEvents })
      .from(webhookDeliveries)
      .innerJoin(webhookEndpoints, eq(webhookEndpoints.id, webhookDeliveries.endpointId))
      .innerJoin(webhookEvents, eq(webhookEvents.id, webhookDeliveries.eventId))
      .where(and(eq(webhookDeliveries.orgId, orgId), eq(webhookDeliveries.id, deliveryId))),
  );
  if (row?.delivery.status !== 'pending') {
    return { status: 'skipped', attempt: row?.delivery.attempts ?? 0, statusCode: null };
  }
  const { endpoint, event } = row;
  const isTest = event.type === 'webhook.test';
  if (endpoint.deletedAt || (!endpoint.enabled && !isTest)) {
    await ctx.database.tenant(orgId, (tx) =>
      tx
        .update(webhookDeliveries)
        .set({ status: 'cancelled', nextAttemptAt: null })
        .where(and(eq(webhookDeliveries.id, deliveryId), eq(webhookDeliveries.status, 'pending'))),
    );
    return { status: 'cancelled', attempt: row.delivery.attempts, statusCode: null };
  }

  const body = JSON.stringify(webhookPayload(event));
  const timestamp = Math.floor(Date.now() / 1000);
  const overlap =
    endpoint.previousSecret && endpoint.previousSecretExpiresAt && endpoint.previousSecretExpiresAt > new Date()
      ? [endpoint.previousSecret]
      : [];
  const startedAt = new Date();
  const result = await postJson(
    endpoint.url,
    body,
    {
      'user-agent': 'CDP-Webhooks/1.0',
      'webhook-id': event.id,
      'webhook-timestamp': String(timestamp),
      'webhook-signature': signatureHeader([endpoint.secret, ...overlap], event.id, timestamp, body),
    },
    { allowPrivate: ctx.config.webhookAllowPrivate, timeoutMs: ctx.config.webhookTimeoutMs },
  );

  return ctx.database.tenant(orgId, async (tx) => {
    const [locked] = await tx
      .select()
      .from(webhookDeliveries)
      .where(eq(webhookDeliveries.id, deliveryId))
      .for('update');
    if (locked?.status !== 'pending') {
      return { status: 'skipped', attempt: locked?.attempts ?? 0, statusCode: result.statusCode };
    }
    const attempt = locked.attempts + 1;
    await tx.insert(webhookAttempts).values({
      orgId,
      deliveryId,
      number: attempt,
      ok: result.ok,
      statusCode: result.statusCode,
      latencyMs: result.latencyMs,
      responseExcerpt: result.responseExcerpt,
      error: result.error,
      startedAt,
    });
    const common = { attempts: attempt, lastAttemptAt: startedAt, lastStatusCode: result.statusCode };
    if (result.ok) {
      await tx
        .update(webhookDeliveries)
        .set({ ...common, status: 'succeeded', nextAttemptAt: null })
        .where(eq(webhookDeliveries.id, deliveryId));
      return { status: 'succeeded', attempt, statusCode: result.statusCode };
    }
    const delay = isTest ? null : retryDelayAfter(attempt);
    if (delay !== null) {
      await tx
        .update(webhookDeliveries)
        .set({ ...common, nextAttemptAt: sql`now() + make_interval(secs => ${delay})` })
        .where(eq(webhookDeliveries.id, deliveryId));
      await enqueueDelivery(tx, orgId, deliveryId, attempt + 1, delay);
      return { status: 'retrying', attempt, statusCode: result.statusCode };
    }
    await tx
      .update(webhookDeliveries)
      .set({ ...common, status: 'failed', nextAttemptAt: null })
      .where(eq(webhookDeliveries.id, deliveryId));
    if (!isTest) {
      const [current] = await tx
        .select({ enabled: webhookEndpoints.enabled })
        .from(webhookEndpoints)
        .where(eq(webhookEndpoints.id, endpoint.id))
        .for('update');
      if (current?.enabled) {
        const hours = Math.round((startedAt.getTime() - locked.createdAt.getTime()) / 360_000) / 10;
        const reason = `Disabled after ${WEBHOOK_MAX_ATTEMPTS} failed attempts over ${hours} h to deliver ${event.type} event ${event.id} (last: ${result.error ?? 'no answer'}). Fix the receiver, then enable the endpoint again; redeliver what it missed from the delivery log.`;
        await tx
          .update(webhookEndpoints)
          .set({ enabled: false, disabledReason: reason, disabledAt: startedAt, updatedAt: startedAt })
          .where(eq(webhookEndpoints.id, endpoint.id));
        await appendAudit(tx, {
          orgId,
          author: systemAuthor(orgId),
          action: 'webhook_endpoint.disabled',
          resourceType: 'webhook_endpoint',
          resourceId: endpoint.id,
          oldValues: { enabled: true },
          newValues: { enabled: false },
          reason,
        });
      }
    }
    return { status: 'failed', attempt, statusCode: result.statusCode };
  });
}
