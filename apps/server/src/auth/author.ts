import type { GrantDto } from '@cdp/contracts';
import type { Actor } from './actor.ts';

/**
 * Who a write is made by, as commands and the audit trail see it: a signed-in user, an API key,
 * or the system (seed, jobs). It carries where the request came from, for the trail,
 * and the grants of the actor behind it, so a command can ask a policy about a row it has locked.
 */
export interface Author {
  type: 'user' | 'api_key' | 'system';
  /** The user's or key's id; null for the system. */
  id: string | null;
  /** What a reader of the trail sees: the user's e-mail, the key's name, or "system". */
  label: string;
  /** The tenant the author acts in: always from the actor, never from a request body. */
  orgId: string;
  orgKind: 'tenant' | 'platform';
  grants: GrantDto[];
  ip: string | null;
  userAgent: string | null;
}

/** Where a request came from. */
export type Origin = Pick<Author, 'ip' | 'userAgent'>;

/** What an audit event records about who acted. */
export type AuditAuthor = Pick<Author, 'type' | 'id' | 'label' | 'ip' | 'userAgent'>;

export const NO_ORIGIN: Origin = { ip: null, userAgent: null };

export function userAuthor(actor: Actor, origin: Origin): Author {
  if (actor.apiKey) return apiKeyAuthor(actor, actor.apiKey, origin);
  return {
    type: 'user',
    id: actor.userId,
    label: actor.email,
    orgId: actor.orgId,
    orgKind: actor.orgKind,
    grants: actor.grants,
    ip: origin.ip,
    userAgent: origin.userAgent,
  };
}

/** A request made with an API key: the trail names the key (id and name), not its creator. */
function apiKeyAuthor(actor: Actor, key: NonNullable<Actor['apiKey']>, origin: Origin): Author {
  return {
    type: 'api_key',
    id: key.id,
    label: key.name,
    orgId: actor.orgId,
    orgKind: actor.orgKind,
    grants: actor.grants,
    ip: origin.ip,
    userAgent: origin.userAgent,
  };
}

/** The seed and background jobs: no grants, no origin; the tenant is the one they work on. */
export function systemAuthor(orgId: string): Author {
  return { type: 'system', id: null, label: 'system', orgId, orgKind: 'tenant', grants: [], ...NO_ORIGIN };
}

/** The user id for `created_by`/`updated_by` columns: null unless a user acted. */
export function userIdOf(author: Author): string | null {
  return author.type === 'user' ? author.id : null;
}
