import type { WebhookDelivery, WebhookEndpoint } from '@cdp/contracts';
import type { Actor } from '../auth/actor.ts';
import { webhookPermissions } from '../policies/webhook.ts';
import type { WebhookDeliveryRow, WebhookEndpointWithStats } from '../repositories/webhooks.repo.ts';
import { webhookPayload } from '../webhooks/deliver-webhook.ts';
import { type Resource, resource } from './envelope.ts';

const iso = (at: Date | null) => (at ? at.toISOString() : null);

/** Never the secret: it is shown once, by the create and rotate answers alone. */
export function presentWebhookEndpoint(row: WebhookEndpointWithStats): WebhookEndpoint {
  const overlapEnds = row.previousSecretExpiresAt && row.previousSecretExpiresAt > new Date();
  return {
    id: row.id,
    url: row.url,
    description: row.description,
    events: row.events,
    enabled: row.enabled,
    disabledReason: row.disabledReason,
    disabledAt: iso(row.disabledAt),
    previousSecretExpiresAt: overlapEnds ? iso(row.previousSecretExpiresAt) : null,
    createdAt: row.createdAt.toISOString(),
    updatedAt: row.updatedAt.toISOString(),
    recent: row.recent,
  };
}

export function webhookEndpointResource(actor: Actor, row: WebhookEndpointWithStats): Resource<WebhookEndpoint> {
  return resource(presentWebhookEndpoint(row), webhookPermissions(actor));
}

export function presentWebhookDelivery(row: WebhookDeliveryRow): WebhookDelivery {
  return {
    id: row.id,
    endpointId: row.endpointId,
    eventId: row.eventId,
    eventType: row.event.type,
    status: row.status as WebhookDelivery['status'],
    attempts: row.attempts,
    nextAttemptAt: iso(row.nextAttemptAt),
    lastAttemptAt: iso(row.lastAttemptAt),
    lastStatusCode: row.lastStatusCode,
    redeliveryOf: row.redeliveryOf,
    createdAt: row.createdAt.toISOString(),
    payload: webhookPayload(row.event),
    log: row.log.map((a) => ({
      number: a.number,
      ok: a.ok,
      statusCode: a.statusCode,
      latencyMs: a.latencyMs,
      responseExcerpt: a.responseExcerpt,
      error: a.error,
      startedAt: a.startedAt.toISOString(),
    })),
  };
}
