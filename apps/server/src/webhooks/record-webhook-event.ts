import type { WebhookEventType } from '@cdp/contracts';
import { type Tx, webhookDeliveries, webhookEndpoints, webhookEvents } from '@cdp/db';
import { and, arrayContains, eq, isNull, type SQL, sql } from 'drizzle-orm';
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
  return {
    eventId: event.id,
    deliveryIds: await recordDeliveries(
      tx,
      orgId,
      event.id,
      targets.map((target) => target.id),
    ),
  };
}

/** One delivery per endpoint for a recorded event, each with the job that sends it. */
export async function recordDeliveries(
  tx: Tx,
  orgId: string,
  eventId: string,
  endpointIds: string[],
): Promise<string[]> {
  if (endpointIds.length === 0) return [];
  const deliveries = await tx
    .insert(webhookDeliveries)
    .values(endpointIds.map((endpointId) => ({ orgId, eventId, endpointId })))
    .returning({ id: webhookDeliveries.id });
  for (const delivery of deliveries) await enqueueDelivery(tx, orgId, delivery.id, 1);
  return deliveries.map((d) => d.id);
}

/** The enabled endpoints of an organization and the event types each subscribed to, as JSON (a scalar subquery). */
export function webhookTargetsSql(orgId: string): SQL {
  return sql`(select coalesce(json_agg(json_build_object('id', e.id, 'events', e.events)), '[]'::json)
    from webhook_endpoints e where e.org_id = ${orgId} and e.deleted_at is null and e.enabled)`;
}

/** The endpoints (from `webhookTargetsSql`) an event of `type` goes to. */
export function targetsFor(targets: { id: string; events: string[] }[], type: WebhookEventType): string[] {
  return targets.filter((target) => target.events.includes(type)).map((target) => target.id);
}

/**
 * Events with ids given by the caller, as a CTE (`webhook_rows`) to put in front of a statement
 * that writes other rows too: several events in the round trip of that statement.
 */
export function webhookEventsCte(orgId: string, events: { id: string; type: WebhookEventType; data: unknown }[]): SQL {
  const rows = events.map((event) => ({ id: event.id, org_id: orgId, type: event.type, data: event.data }));
  return sql`webhook_rows as (
    insert into webhook_events (id, org_id, type, data)
    select id, org_id, type, data from json_populate_recordset(null::webhook_events, ${JSON.stringify(rows)}::json)
  )`;
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
