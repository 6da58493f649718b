import { type Tx, webhookAttempts, webhookDeliveries, webhookEndpoints, webhookEvents } from '@cdp/db';
import { and, asc, count, desc, eq, inArray, isNull, sql } from 'drizzle-orm';

export type WebhookEndpointRow = typeof webhookEndpoints.$inferSelect;

/** An endpoint with its last day's deliveries by outcome. */
export type WebhookEndpointWithStats = WebhookEndpointRow & {
  recent: { succeeded: number; failed: number; pending: number };
};

/** The organization's endpoints (not deleted), newest first, or the one named. */
export async function listWebhookEndpoints(tx: Tx, orgId: string, id?: string): Promise<WebhookEndpointWithStats[]> {
  const rows = await tx
    .select({
      endpoint: webhookEndpoints,
      // Spelled out: an interpolated column would render unqualified inside the subquery.
      succeeded: sql<number>`(select count(*)::int from webhook_deliveries d where d.endpoint_id = webhook_endpoints.id
        and d.status = 'succeeded' and d.created_at > now() - interval '1 day')`,
      failed: sql<number>`(select count(*)::int from webhook_deliveries d where d.endpoint_id = webhook_endpoints.id
        and d.status = 'failed' and d.created_at > now() - interval '1 day')`,
      pending: sql<number>`(select count(*)::int from webhook_deliveries d where d.endpoint_id = webhook_endpoints.id
        and d.status = 'pending')`,
    })
    .from(webhookEndpoints)
    .where(
      and(
        eq(webhookEndpoints.orgId, orgId),
        isNull(webhookEndpoints.deletedAt),
        id ? eq(webhookEndpoints.id, id) : undefined,
      ),
    )
    .orderBy(desc(webhookEndpoints.createdAt));
  return rows.map((r) => ({
    ...r.endpoint,
    recent: { succeeded: r.succeeded, failed: r.failed, pending: r.pending },
  }));
}

/** One endpoint of the organization, locked for a change. */
export async function lockWebhookEndpoint(tx: Tx, orgId: string, id: string): Promise<WebhookEndpointRow | undefined> {
  const [row] = await tx
    .select()
    .from(webhookEndpoints)
    .where(and(eq(webhookEndpoints.orgId, orgId), eq(webhookEndpoints.id, id), isNull(webhookEndpoints.deletedAt)))
    .for('update');
  return row;
}

export type WebhookDeliveryRow = typeof webhookDeliveries.$inferSelect & {
  event: typeof webhookEvents.$inferSelect;
  log: (typeof webhookAttempts.$inferSelect)[];
};

/** An endpoint's deliveries, newest first, each with its event and its attempts. */
export async function listWebhookDeliveries(
  tx: Tx,
  orgId: string,
  endpointId: string,
  options: { status?: string; page: number; pageSize: number; deliveryId?: string },
): Promise<{ rows: WebhookDeliveryRow[]; total: number }> {
  const where = and(
    eq(webhookDeliveries.orgId, orgId),
    eq(webhookDeliveries.endpointId, endpointId),
    options.status ? eq(webhookDeliveries.status, options.status) : undefined,
    options.deliveryId ? eq(webhookDeliveries.id, options.deliveryId) : undefined,
  );
  const [totals] = await tx.select({ n: count() }).from(webhookDeliveries).where(where);
  const rows = await tx
    .select({ delivery: webhookDeliveries, event: webhookEvents })
    .from(webhookDeliveries)
    .innerJoin(webhookEvents, eq(webhookEvents.id, webhookDeliveries.eventId))
    .where(where)
    .orderBy(desc(webhookDeliveries.createdAt), desc(webhookDeliveries.id))
    .limit(options.pageSize)
    .offset((options.page - 1) * options.pageSize);
  const ids = rows.map((r) => r.delivery.id);
  const attempts = ids.length
    ? await tx
        .select()
        .from(webhookAttempts)
        .where(and(eq(webhookAttempts.orgId, orgId), inArray(webhookAttempts.deliveryId, ids)))
        .orderBy(asc(webhookAttempts.number))
    : [];
  return {
    total: totals?.n ?? 0,
    rows: rows.map((r) => ({
      ...r.delivery,
      event: r.event,
      log: attempts.filter((a) => a.deliveryId === r.delivery.id),
    })),
  };
}
