import { z } from 'zod';
import { IsoDateTime, Uuid } from './common.ts';

/**
 * The events an endpoint can subscribe to. An event is listed only once the feature that emits it
 * exists: pipelines, exports, scheduled reports and data sources add theirs when they land.
 */
export const WEBHOOK_EVENT_TYPES = [
  'data_version.created',
  'data_version.activated',
  'pipeline.run.succeeded',
  'pipeline.run.failed',
  'data_source.pull.succeeded',
  'data_source.pull.failed',
  'webhook.test',
] as const;
export type WebhookEventType = (typeof WEBHOOK_EVENT_TYPES)[number];

export const WEBHOOK_EVENT_LABELS: Record<WebhookEventType, string> = {
  'data_version.created': 'A data version was loaded (upload or generated)',
  'data_version.activated': 'A data version became the active one (activation or roll back)',
  'pipeline.run.succeeded': 'A pipeline run succeeded and wrote an output version',
  'pipeline.run.failed': 'A pipeline run failed (after its retries)',
  'data_source.pull.succeeded': 'A data source pull made a new data version',
  'data_source.pull.failed': 'A data source pull failed',
  'webhook.test': 'A test event (Send test)',
};

/** What every delivery's body is: the same for every endpoint and every attempt of one event. */
export const WebhookPayload = z.object({
  id: Uuid,
  type: z.string(),
  createdAt: IsoDateTime,
  organizationId: Uuid,
  data: z.record(z.string(), z.unknown()),
});
export type WebhookPayload = z.infer<typeof WebhookPayload>;

const WebhookEventTypeInput = z.enum(WEBHOOK_EVENT_TYPES, {
  error: (issue) => `Unknown event type ${JSON.stringify(issue.input)}; known: ${WEBHOOK_EVENT_TYPES.join(', ')}.`,
});

export const WebhookUrl = z
  .string()
  .trim()
  .max(2000)
  .pipe(z.url({ error: 'Enter a full URL, e.g. https://example.com/hooks/cdp.' }));

export const CreateWebhookRequest = z.strictObject({
  url: WebhookUrl,
  description: z.string().trim().max(500).default(''),
  events: z.array(WebhookEventTypeInput).min(1, 'Choose at least one event.'),
  enabled: z.boolean().default(true),
});
export type CreateWebhookRequest = z.infer<typeof CreateWebhookRequest>;

export const UpdateWebhookRequest = z.strictObject({
  url: WebhookUrl.optional(),
  description: z.string().trim().max(500).optional(),
  events: z.array(WebhookEventTypeInput).min(1, 'Choose at least one event.').optional(),
  /** Re-enabling an endpoint the system disabled clears the notice; deliveries then flow again. */
  enabled: z.boolean().optional(),
});
export type UpdateWebhookRequest = z.infer<typeof UpdateWebhookRequest>;

export const RotateWebhookSecretRequest = z.strictObject({
  /** How long the previous secret keeps signing beside the new one (0: stop at once). */
  overlapHours: z.number().int().min(0).max(168).default(24),
});
export type RotateWebhookSecretRequest = z.infer<typeof RotateWebhookSecretRequest>;

export const WebhookEndpoint = z.object({
  id: Uuid,
  url: z.string(),
  description: z.string(),
  events: z.array(z.string()),
  enabled: z.boolean(),
  /** Set when the system switched the endpoint off after a delivery's retries ran out. */
  disabledReason: z.string().nullable(),
  disabledAt: IsoDateTime.nullable(),
  /** Until when the previous secret still signs (after a rotation), or null. */
  previousSecretExpiresAt: IsoDateTime.nullable(),
  createdAt: IsoDateTime,
  updatedAt: IsoDateTime,
  /** Deliveries of the last 24 hours by outcome. */
  recent: z.object({ succeeded: z.number().int(), failed: z.number().int(), pending: z.number().int() }),
});
export type WebhookEndpoint = z.infer<typeof WebhookEndpoint>;

/** The answer to create and rotate: the only time the secret is shown. */
export const WebhookEndpointWithSecret = z.object({
  data: WebhookEndpoint,
  permissions: z.array(z.string()),
  secret: z.string().startsWith('whsec_'),
});

export const WEBHOOK_DELIVERY_STATUSES = ['pending', 'succeeded', 'failed', 'cancelled'] as const;

export const WebhookAttempt = z.object({
  number: z.number().int(),
  ok: z.boolean(),
  statusCode: z.number().int().nullable(),
  latencyMs: z.number().int(),
  responseExcerpt: z.string().nullable(),
  error: z.string().nullable(),
  startedAt: IsoDateTime,
});
export type WebhookAttempt = z.infer<typeof WebhookAttempt>;

export const WebhookDelivery = z.object({
  id: Uuid,
  endpointId: Uuid,
  eventId: Uuid,
  eventType: z.string(),
  status: z.enum(WEBHOOK_DELIVERY_STATUSES),
  attempts: z.number().int(),
  nextAttemptAt: IsoDateTime.nullable(),
  lastAttemptAt: IsoDateTime.nullable(),
  lastStatusCode: z.number().int().nullable(),
  redeliveryOf: Uuid.nullable(),
  createdAt: IsoDateTime,
  payload: WebhookPayload,
  log: z.array(WebhookAttempt),
});
export type WebhookDelivery = z.infer<typeof WebhookDelivery>;

export const WebhookDeliveryParams = z.strictObject({ id: Uuid, deliveryId: Uuid });

export const WebhookDeliveriesQuery = z.strictObject({
  status: z.enum(WEBHOOK_DELIVERY_STATUSES).optional(),
  page: z.coerce.number().int().min(1).default(1),
  pageSize: z.coerce.number().int().min(1).max(100).default(20),
});
