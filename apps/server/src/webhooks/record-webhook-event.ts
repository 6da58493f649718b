import type { WebhookEventType } from '@cdp/contracts';
import { type Tx, webhookDeliveries, webhookEndpoints, webhookEvents } from '@cdp/db';
import { and, arrayContains, eq, isNull } from 'drizzle-orm';
import { enqueueJob } from '../jobs/enqueue.ts';

/**
 * Writes an event to the outbox inside the transaction of the change that causes it, with one
 * delivery per enabled endpoint that subscribed to its type and the job that sends each: a change
 * that rolls back leaves no event, one that commits always has its deliveries on the way.
 * `endpointId` sends to that endpoint only, subscribed or not (Send test).
 */
export async function recordWebhookEvent(
  tx: Tx,
  orgId: string,
  type: WebhookEventType,
  data: Record<string, unknown>,
  options: { endpointId?: string } = {},
): Promise<{ eventId: string; deliveryIds: string[] }> {
  const targets = await tx
    .select({ id: webhookEndpoints.id })
    .from(webhookEndpoints)
    .where(
      and(
        eq(webhookEndpoints.orgId, orgId),
        isNull(webhookEndpoints.deletedAt),
        options.endpointId
          ? eq(webhookEndpoints.id, options.endpointId)
          : and(eq(webhookEndpoints.enabled, true), arrayContains(webhookEndpoints.events, [type])),
      ),
    );
  const [event] = await tx.insert(webhookEvents).values({ orgId, type, data }).returning({ id: webhookEvents.id });
  if (!event) throw new Error('webhook event insert returned nothing');
  if (targets.length === 0) return { eventId: event.id, deliveryIds: [] };
  const deliveries = await tx
    .insert(webhookDeliveries)
    .values(targets.map((target) => ({ orgId, eventId: event.id, endpointId: target.id })))
    .returning({ id: webhookDeliveries.id });
  for (const delivery of deliveries) await enqueueDelivery(tx, orgId, delivery.id, 1);
  return { eventId: event.id, deliveryIds: deliveries.map((d) => d.id) };
}

/** The job for one attempt of one delivery; queuing the same attempt twice is harmless. */
export function enqueueDelivery(
  tx: Tx,
  orgId: string,
  deliveryId: string,
  attempt: number,
  startAfterSeconds?: number,
): Promise<void> {
  return enqueueJob(
    tx,
    'webhooks.deliver',
    { orgId, deliveryId },
    { key: `${deliveryId}:${attempt}`, ...(startAfterSeconds ? { startAfterSeconds } : {}) },
  );
}
