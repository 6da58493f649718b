import {
  CollectionMeta,
  CreateWebhookRequest,
  IdParams,
  listWithMeta,
  Ok,
  PageInfo,
  RotateWebhookSecretRequest,
  UpdateWebhookRequest,
  WEBHOOK_EVENT_LABELS,
  WEBHOOK_EVENT_TYPES,
  WebhookDeliveriesQuery,
  WebhookDelivery,
  WebhookDeliveryParams,
  WebhookEndpoint,
  WebhookEndpointWithSecret,
  withPermissions,
} from '@cdp/contracts';
import type { FastifyPluginAsyncZod } from 'fastify-type-provider-zod';
import { z } from 'zod';
import {
  createWebhook,
  deleteWebhook,
  redeliverWebhook,
  rotateWebhookSecret,
  sendWebhookTest,
  updateWebhook,
} from '../../commands/webhooks.ts';
import type { AppContext } from '../../lib/context.ts';
import { actorOf, authorOf, requirePermission } from '../../plugins/auth.ts';
import { WEBHOOK_PERMISSION, webhookFor, webhookPermissions } from '../../policies/webhook.ts';
import { presentWebhookDelivery, presentWebhookEndpoint, webhookEndpointResource } from '../../presenters/webhook.ts';
import { listWebhookDeliveries, listWebhookEndpoints } from '../../repositories/webhooks.repo.ts';

const TAGS = ['webhooks'];

/** Webhook endpoints of the caller's organization, their deliveries and their secrets (shown once). */
export const webhookRoutes: FastifyPluginAsyncZod<{ ctx: AppContext }> = async (app, { ctx }) => {
  const guard = requirePermission(WEBHOOK_PERMISSION);

  app.get(
    '/api/webhooks/event-types',
    {
      preHandler: guard,
      schema: {
        tags: TAGS,
        summary: 'The events an endpoint can subscribe to',
        response: { 200: z.object({ data: z.array(z.object({ type: z.string(), label: z.string() })) }) },
      },
    },
    async () => ({ data: WEBHOOK_EVENT_TYPES.map((type) => ({ type, label: WEBHOOK_EVENT_LABELS[type] })) }),
  );

  app.get(
    '/api/webhooks',
    {
      preHandler: guard,
      schema: {
        tags: TAGS,
        summary: 'The organization’s webhook endpoints (never their secrets)',
        response: { 200: listWithMeta(WebhookEndpoint, CollectionMeta) },
      },
    },
    async (request) => {
      const actor = actorOf(request);
      const rows = await ctx.database.tenant(actor.orgId, (tx) => listWebhookEndpoints(tx, actor.orgId));
      return { data: rows.map(presentWebhookEndpoint), meta: { permissions: webhookPermissions(actor) } };
    },
  );

  app.post(
    '/api/webhooks',
    {
      preHandler: guard,
      schema: {
        tags: TAGS,
        summary: 'Add an endpoint; the answer carries its signing secret, shown this once',
        body: CreateWebhookRequest,
        response: { 201: WebhookEndpointWithSecret },
      },
    },
    async (request, reply) => {
      const { endpoint, secret } = await createWebhook(ctx, authorOf(request), request.body);
      return reply.status(201).send({ ...webhookEndpointResource(actorOf(request), endpoint), secret });
    },
  );

  app.get(
    '/api/webhooks/:id',
    {
      preHandler: guard,
      schema: {
        tags: TAGS,
        summary: 'One endpoint',
        params: IdParams,
        response: { 200: withPermissions(WebhookEndpoint) },
      },
    },
    async (request) => {
      const actor = actorOf(request);
      return webhookEndpointResource(actor, await webhookFor(ctx, actor, request.params.id));
    },
  );

  app.patch(
    '/api/webhooks/:id',
    {
      preHandler: guard,
      schema: {
        tags: TAGS,
        summary: 'Change an endpoint (URL, events, description, enabled)',
        params: IdParams,
        body: UpdateWebhookRequest,
        response: { 200: withPermissions(WebhookEndpoint) },
      },
    },
    async (request) => {
      const row = await updateWebhook(ctx, authorOf(request), { id: request.params.id, ...request.body });
      return webhookEndpointResource(actorOf(request), row);
    },
  );

  app.delete(
    '/api/webhooks/:id',
    {
      preHandler: guard,
      schema: { tags: TAGS, summary: 'Delete an endpoint (its log is kept)', params: IdParams, response: { 200: Ok } },
    },
    async (request) => {
      await deleteWebhook(ctx, authorOf(request), { id: request.params.id });
      return { ok: true as const };
    },
  );

  app.post(
    '/api/webhooks/:id/rotate-secret',
    {
      preHandler: guard,
      schema: {
        tags: TAGS,
        summary: 'A new signing secret (shown this once); the previous one also signs during the overlap',
        params: IdParams,
        body: RotateWebhookSecretRequest,
        response: { 200: WebhookEndpointWithSecret },
      },
    },
    async (request) => {
      const { endpoint, secret } = await rotateWebhookSecret(ctx, authorOf(request), {
        id: request.params.id,
        overlapHours: request.body.overlapHours,
      });
      return { ...webhookEndpointResource(actorOf(request), endpoint), secret };
    },
  );

  app.post(
    '/api/webhooks/:id/test',
    {
      preHandler: guard,
      schema: {
        tags: TAGS,
        summary: 'Send a webhook.test event to this endpoint now',
        params: IdParams,
        response: { 202: z.object({ data: z.object({ eventId: z.uuid(), deliveryId: z.uuid() }) }) },
      },
    },
    async (request, reply) => {
      const sent = await sendWebhookTest(ctx, authorOf(request), { id: request.params.id });
      return reply.status(202).send({ data: sent });
    },
  );

  app.get(
    '/api/webhooks/:id/deliveries',
    {
      preHandler: guard,
      schema: {
        tags: TAGS,
        summary: 'The endpoint’s deliveries, newest first, each with its payload and attempts',
        params: IdParams,
        querystring: WebhookDeliveriesQuery,
        response: { 200: z.object({ data: z.array(WebhookDelivery), page: PageInfo }) },
      },
    },
    async (request) => {
      const actor = actorOf(request);
      const endpoint = await webhookFor(ctx, actor, request.params.id);
      const { page, pageSize, status } = request.query;
      const { rows, total } = await ctx.database.tenant(actor.orgId, (tx) =>
        listWebhookDeliveries(tx, actor.orgId, endpoint.id, { page, pageSize, ...(status ? { status } : {}) }),
      );
      return { data: rows.map(presentWebhookDelivery), page: { number: page, size: pageSize, total } };
    },
  );

  app.post(
    '/api/webhooks/:id/deliveries/:deliveryId/redeliver',
    {
      preHandler: guard,
      schema: {
        tags: TAGS,
        summary: 'Send a delivery’s event again (same id and body, a new delivery)',
        params: WebhookDeliveryParams,
        response: { 202: z.object({ data: WebhookDelivery }) },
      },
    },
    async (request, reply) => {
      const row = await redeliverWebhook(ctx, authorOf(request), {
        id: request.params.id,
        deliveryId: request.params.deliveryId,
      });
      return reply.status(202).send({ data: presentWebhookDelivery(row) });
    },
  );
};
