import type { Tx } from '@cdp/db';
import type { Actor } from '../auth/actor.ts';
import type { Author } from '../auth/author.ts';
import { forbidden, notFound } from '../lib/app-error.ts';
import type { AppContext } from '../lib/context.ts';
import { type ApiKeyRow, type ApiKeyWithCreator, listApiKeys, lockApiKey } from '../repositories/api-keys.repo.ts';
import { can, type Grantee } from './can.ts';

/**
 * Who may see and revoke which keys: `api:manage_key:own` every key of the organization;
 * `api:create_key:own` alone the keys one made oneself.
 */
export function apiKeyAccess(who: Grantee): 'all' | 'own' {
  if (can(who, 'api:manage_key:own')) return 'all';
  if (can(who, 'api:create_key:own')) return 'own';
  throw forbidden('api:create_key:own');
}

function mayTouch(who: Grantee & { userId: string | null }, key: { createdBy: string }): boolean {
  return apiKeyAccess(who) === 'all' || key.createdBy === who.userId;
}

/** The keys the actor may see. */
export async function visibleApiKeys(ctx: AppContext, actor: Actor): Promise<ApiKeyWithCreator[]> {
  const access = apiKeyAccess(actor);
  return ctx.database.tenant(actor.orgId, (tx) =>
    listApiKeys(tx, actor, access === 'all' ? {} : { createdBy: actor.userId }),
  );
}

/** One key of the actor's organization: 404 for another tenant's, 403 for a colleague's without manage. */
export async function apiKeyFor(ctx: AppContext, actor: Actor, id: string): Promise<ApiKeyWithCreator> {
  apiKeyAccess(actor);
  const [key] = await ctx.database.tenant(actor.orgId, (tx) => listApiKeys(tx, actor, { id }));
  if (!key) throw notFound('API key');
  if (!mayTouch(actor, key)) throw forbidden('api:manage_key:own');
  return key;
}

/** Inside the revoking transaction: the key locked, then the same decision. */
export async function lockedApiKeyFor(tx: Tx, author: Author, id: string): Promise<ApiKeyRow> {
  const key = await lockApiKey(tx, author, id);
  if (!key) throw notFound('API key');
  if (!mayTouch({ grants: author.grants, userId: author.type === 'user' ? author.id : null }, key)) {
    throw forbidden('api:manage_key:own');
  }
  return key;
}

/** What the actor may do with a key, beside it in responses. */
export function apiKeyPermissions(actor: Actor, key: { createdBy: string; revokedAt: Date | null }): string[] {
  return key.revokedAt === null && mayTouch(actor, key) ? ['revoke'] : [];
}
