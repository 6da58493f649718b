import type { Tx } from '@cdp/db';
import type { Actor } from '../auth/actor.ts';
import type { Author } from '../auth/author.ts';
import { notFound } from '../lib/app-error.ts';
import type { AppContext } from '../lib/context.ts';
import {
  listWebhookEndpoints,
  lockWebhookEndpoint,
  type WebhookEndpointRow,
  type WebhookEndpointWithStats,
} from '../repositories/webhooks.repo.ts';
import { can, type Grantee } from './can.ts';

/**
 * Webhooks carry events of every study of the organization to a system outside it, so they are
 * the organization's settings: `organization:manage:own` to see or change them (the routes check
 * it); another organization's endpoint is not found.
 */
export const WEBHOOK_PERMISSION = 'organization:manage:own' as const;

export async function webhookFor(ctx: AppContext, actor: Actor, id: string): Promise<WebhookEndpointWithStats> {
  const [row] = await ctx.database.tenant(actor.orgId, (tx) => listWebhookEndpoints(tx, actor.orgId, id));
  if (!row) throw notFound('Webhook endpoint');
  return row;
}

/** Inside a command's transaction: the endpoint, locked. */
export async function lockedWebhookFor(tx: Tx, author: Author, id: string): Promise<WebhookEndpointRow> {
  const row = await lockWebhookEndpoint(tx, author.orgId, id);
  if (!row) throw notFound('Webhook endpoint');
  return row;
}

export function webhookPermissions(who: Grantee): string[] {
  return can(who, WEBHOOK_PERMISSION) ? [WEBHOOK_PERMISSION] : [];
}
