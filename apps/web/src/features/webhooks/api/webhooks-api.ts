import type {
  CreateWebhookRequest,
  Ok,
  PageInfo,
  UpdateWebhookRequest,
  WebhookDelivery,
  WebhookEndpoint,
} from '@cdp/contracts';
import { queryOptions } from '@tanstack/react-query';
import { api } from '../../../lib/api-client.ts';

export interface WebhookList {
  data: WebhookEndpoint[];
  meta: { permissions: string[] };
}
export interface WebhookWithSecret {
  data: WebhookEndpoint;
  permissions: string[];
  secret: string;
}
export interface DeliveryPage {
  data: WebhookDelivery[];
  page: PageInfo;
}

export const webhookKeys = {
  all: ['webhooks'] as const,
  eventTypes: ['webhooks', 'event-types'] as const,
  deliveries: (id: string, page: number) => ['webhooks', id, 'deliveries', page] as const,
};

export const webhooksQuery = queryOptions({
  queryKey: webhookKeys.all,
  queryFn: ({ signal }) => api<WebhookList>('/api/webhooks', { signal }),
});

export const webhookEventTypesQuery = queryOptions({
  queryKey: webhookKeys.eventTypes,
  queryFn: ({ signal }) => api<{ data: { type: string; label: string }[] }>('/api/webhooks/event-types', { signal }),
  staleTime: Number.POSITIVE_INFINITY,
});

export function deliveriesQuery(id: string, page: number) {
  return queryOptions({
    queryKey: webhookKeys.deliveries(id, page),
    queryFn: ({ signal }) =>
      api<DeliveryPage>(`/api/webhooks/${id}/deliveries`, { signal, query: { page, pageSize: 20 } }),
    // Pending deliveries change on their own: look again while some are on their way.
    refetchInterval: (query) => (query.state.data?.data.some((d) => d.status === 'pending') ? 3000 : false),
  });
}

export function createWebhook(body: CreateWebhookRequest) {
  return api<WebhookWithSecret>('/api/webhooks', { method: 'POST', body });
}

export function updateWebhook(id: string, body: UpdateWebhookRequest) {
  return api<{ data: WebhookEndpoint }>(`/api/webhooks/${id}`, { method: 'PATCH', body });
}

export function deleteWebhook(id: string) {
  return api<Ok>(`/api/webhooks/${id}`, { method: 'DELETE' });
}

export function rotateWebhookSecret(id: string, overlapHours: number) {
  return api<WebhookWithSecret>(`/api/webhooks/${id}/rotate-secret`, { method: 'POST', body: { overlapHours } });
}

export function sendWebhookTest(id: string) {
  return api<{ data: { eventId: string; deliveryId: string } }>(`/api/webhooks/${id}/test`, { method: 'POST' });
}

export function redeliver(id: string, deliveryId: string) {
  return api<{ data: WebhookDelivery }>(`/api/webhooks/${id}/deliveries/${deliveryId}/redeliver`, { method: 'POST' });
}
