import type { CreateWebhookRequest, UpdateWebhookRequest } from '@cdp/contracts';
import { type Tx, webhookDeliveries, webhookEndpoints } from '@cdp/db';
import { and, eq, sql } from 'drizzle-orm';
import { appendAudit } from '../audit/audit-log.ts';
import { type Author, userIdOf } from '../auth/author.ts';
import { AppError, notFound } from '../lib/app-error.ts';
import type { AppContext } from '../lib/context.ts';
import { lockedWebhookFor } from '../policies/webhook.ts';
import {
  listWebhookDeliveries,
  listWebhookEndpoints,
  type WebhookDeliveryRow,
  type WebhookEndpointWithStats,
} from '../repositories/webhooks.repo.ts';
import { refuseUrl } from '../webhooks/outbound.ts';
import { enqueueDelivery, recordWebhookEvent } from '../webhooks/record-webhook-event.ts';
import { generateWebhookSecret } from '../webhooks/signature.ts';

/** Refused destinations are refused when saved too, not only when a delivery tries them. */
function checkUrl(ctx: AppContext, url: string): void {
  const refused = refuseUrl(url, { allowPrivate: ctx.config.webhookAllowPrivate });
  if (refused) {
    throw new AppError('VALIDATION_FAILED', `body.url: ${refused}.`, {
      issues: [{ path: 'body.url', message: `${refused[0]?.toUpperCase()}${refused.slice(1)}.` }],
    });
  }
}

async function reload(tx: Tx, orgId: string, id: string): Promise<WebhookEndpointWithStats> {
  const [row] = await listWebhookEndpoints(tx, orgId, id);
  if (!row) throw new Error('webhook endpoint not found after writing it');
  return row;
}

/** What the trail records of an endpoint: never its secret. */
function audited(row: { url: string; description: string; events: string[]; enabled: boolean }) {
  return { url: row.url, description: row.description, events: row.events, enabled: row.enabled };
}

export interface EndpointWithSecret {
  endpoint: WebhookEndpointWithStats;
  /** Shown once, in this answer. */
  secret: string;
}

export async function createWebhook(
  ctx: AppContext,
  author: Author,
  input: CreateWebhookRequest,
): Promise<EndpointWithSecret> {
  checkUrl(ctx, input.url);
  const secret = generateWebhookSecret();
  return ctx.database.tenant(author.orgId, async (tx) => {
    const [row] = await tx
      .insert(webhookEndpoints)
      .values({
        orgId: author.orgId,
        url: input.url,
        description: input.description,
        events: [...new Set(input.events)],
        enabled: input.enabled,
        secret,
        createdBy: userIdOf(author),
      })
      .returning();
    if (!row) throw new Error('webhook endpoint insert returned nothing');
    await appendAudit(tx, {
      orgId: author.orgId,
      author,
      action: 'webhook_endpoint.created',
      resourceType: 'webhook_endpoint',
      resourceId: row.id,
      newValues: audited(row),
    });
    return { endpoint: await reload(tx, author.orgId, row.id), secret };
  });
}

/** Changes an endpoint; enabling one the system disabled clears its notice. */
export async function updateWebhook(
  ctx: AppContext,
  author: Author,
  input: UpdateWebhookRequest & { id: string },
): Promise<WebhookEndpointWithStats> {
  if (input.url !== undefined) checkUrl(ctx, input.url);
  return ctx.database.tenant(author.orgId, async (tx) => {
    const before = await lockedWebhookFor(tx, author, input.id);
    const changes = {
      ...(input.url !== undefined ? { url: input.url } : {}),
      ...(input.description !== undefined ? { description: input.description } : {}),
      ...(input.events !== undefined ? { events: [...new Set(input.events)] } : {}),
      ...(input.enabled !== undefined ? { enabled: input.enabled } : {}),
    };
    await tx
      .update(webhookEndpoints)
      .set({
        ...changes,
        ...(input.enabled === true ? { disabledReason: null, disabledAt: null } : {}),
        updatedAt: sql`now()`,
      })
      .where(eq(webhookEndpoints.id, before.id));
    const old = audited(before);
    await appendAudit(tx, {
      orgId: author.orgId,
      author,
      action: 'webhook_endpoint.updated',
      resourceType: 'webhook_endpoint',
      resourceId: before.id,
      oldValues: Object.fromEntries(Object.keys(changes).map((k) => [k, old[k as keyof typeof old]])),
      newValues: changes,
    });
    return reload(tx, author.orgId, before.id);
  });
}

/** Removes an endpoint: nothing more is sent to it; its log stays for the record. */
export async function deleteWebhook(ctx: AppContext, author: Author, input: { id: string }): Promise<void> {
  await ctx.database.tenant(author.orgId, async (tx) => {
    const before = await lockedWebhookFor(tx, author, input.id);
    await tx
      .update(webhookEndpoints)
      .set({ deletedAt: sql`now()`, enabled: false, updatedAt: sql`now()` })
      .where(eq(webhookEndpoints.id, before.id));
    await tx
      .update(webhookDeliveries)
      .set({ status: 'cancelled', nextAttemptAt: null })
      .where(and(eq(webhookDeliveries.endpointId, before.id), eq(webhookDeliveries.status, 'pending')));
    await appendAudit(tx, {
      orgId: author.orgId,
      author,
      action: 'webhook_endpoint.deleted',
      resourceType: 'webhook_endpoint',
      resourceId: before.id,
      oldValues: audited(before),
    });
  });
}

/**
 * A new signing secret. For `overlapHours` the previous one signs beside it (two `v1,` entries in
 * `webhook-signature`), so receivers can switch without losing a delivery.
 */
export async function rotateWebhookSecret(
  ctx: AppContext,
  author: Author,
  input: { id: string; overlapHours: number },
): Promise<EndpointWithSecret> {
  const secret = generateWebhookSecret();
  return ctx.database.tenant(author.orgId, async (tx) => {
    const before = await lockedWebhookFor(tx, author, input.id);
    const [row] = await tx
      .update(webhookEndpoints)
      .set({
        secret,
        previousSecret: input.overlapHours > 0 ? before.secret : null,
        previousSecretExpiresAt:
          input.overlapHours > 0 ? sql`now() + make_interval(hours => ${input.overlapHours})` : null,
        updatedAt: sql`now()`,
      })
      .where(eq(webhookEndpoints.id, before.id))
      .returning({ expires: webhookEndpoints.previousSecretExpiresAt });
    await appendAudit(tx, {
      orgId: author.orgId,
      author,
      action: 'webhook_endpoint.secret_rotated',
      resourceType: 'webhook_endpoint',
      resourceId: before.id,
      newValues: { overlapHours: input.overlapHours, previousSecretValidUntil: row?.expires ?? null },
    });
    return { endpoint: await reload(tx, author.orgId, before.id), secret };
  });
}

/** Sends a `webhook.test` event to this endpoint alone (subscribed to it or not, enabled or not). */
export async function sendWebhookTest(
  ctx: AppContext,
  author: Author,
  input: { id: string },
): Promise<{ eventId: string; deliveryId: string }> {
  return ctx.database.tenant(author.orgId, async (tx) => {
    const endpoint = await lockedWebhookFor(tx, author, input.id);
    const { eventId, deliveryIds } = await recordWebhookEvent(
      tx,
      author.orgId,
      'webhook.test',
      { message: 'A test event from CDP: this endpoint is reachable and verifies signatures.', sentBy: author.label },
      { endpointId: endpoint.id },
    );
    const deliveryId = deliveryIds[0];
    if (!deliveryId) throw new Error('test event has no delivery');
    await appendAudit(tx, {
      orgId: author.orgId,
      author,
      action: 'webhook_endpoint.tested',
      resourceType: 'webhook_endpoint',
      resourceId: endpoint.id,
      newValues: { eventId },
    });
    return { eventId, deliveryId };
  });
}

/** The same event (same id, same body) sent again as a new delivery with a fresh retry schedule. */
export async function redeliverWebhook(
  ctx: AppContext,
  author: Author,
  input: { id: string; deliveryId: string },
): Promise<WebhookDeliveryRow> {
  return ctx.database.tenant(author.orgId, async (tx) => {
    const endpoint = await lockedWebhookFor(tx, author, input.id);
    const { rows } = await listWebhookDeliveries(tx, author.orgId, endpoint.id, {
      deliveryId: input.deliveryId,
      page: 1,
      pageSize: 1,
    });
    const original = rows[0];
    if (!original) throw notFound('Webhook delivery');
    if (!endpoint.enabled && original.event.type !== 'webhook.test') {
      throw new AppError('INVALID_STATE', 'The endpoint is disabled: enable it before redelivering events to it.');
    }
    const [created] = await tx
      .insert(webhookDeliveries)
      .values({ orgId: author.orgId, eventId: original.eventId, endpointId: endpoint.id, redeliveryOf: original.id })
      .returning({ id: webhookDeliveries.id });
    if (!created) throw new Error('webhook delivery insert returned nothing');
    await enqueueDelivery(tx, author.orgId, created.id, 1);
    await appendAudit(tx, {
      orgId: author.orgId,
      author,
      action: 'webhook_delivery.redelivered',
      resourceType: 'webhook_endpoint',
      resourceId: endpoint.id,
      newValues: { eventId: original.eventId, eventType: original.event.type, deliveryId: created.id },
    });
    const { rows: fresh } = await listWebhookDeliveries(tx, author.orgId, endpoint.id, {
      deliveryId: created.id,
      page: 1,
      pageSize: 1,
    });
    if (!fresh[0]) throw new Error('redelivery not found after writing it');
    return fresh[0];
  });
}
