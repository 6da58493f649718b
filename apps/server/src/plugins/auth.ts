import type { GrantDto, Permission } from '@cdp/contracts';
import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import fp from 'fastify-plugin';
import type { Actor } from '../auth/actor.ts';
import { actorCacheFor } from '../auth/actor-cache.ts';
import { authenticateApiKey, isSessionOnlyRoute } from '../auth/api-key-actor.ts';
import { looksLikeApiKey } from '../auth/api-key-secret.ts';
import { type Author, type Origin, userAuthor } from '../auth/author.ts';
import { endSession, sessionExpiredError } from '../auth/sessions.ts';
import { bearerToken } from '../auth/tokens.ts';
import { AppError, forbidden } from '../lib/app-error.ts';
import type { AppContext } from '../lib/context.ts';
import { can } from '../policies/can.ts';

declare module 'fastify' {
  interface FastifyRequest {
    actor: Actor | null;
    origin: Origin;
  }
  interface FastifyContextConfig {
    /** No access token needed (login, refresh, health, docs). */
    public?: boolean;
    /** Reachable while the user still has to replace a temporary password. */
    allowDuringPasswordChange?: boolean;
  }
}

interface SessionRow extends Record<string, unknown> {
  revoked: boolean;
  expired: boolean;
  idle_seconds: number;
  user_id: string;
  email: string;
  name: string;
  user_status: string;
  must_change_password: boolean;
  org_id: string;
  org_code: string;
  org_name: string;
  org_kind: 'tenant' | 'platform';
  org_status: string;
  org_features: Record<string, boolean> | null;
  grants: GrantDto[];
}

export const authPlugin = fp(async (app: FastifyInstance, { ctx }: { ctx: AppContext }) => {
  app.decorateRequest('actor', null);
  app.decorateRequest('origin', null as unknown as Origin);

  const cache = actorCacheFor(ctx.database, ctx.config.actorCacheSeconds);
  // A write answered by this process (a sign-out, a role removed, a key revoked) re-reads
  // auth_version before its answer leaves: from then on this process serves no stale actor.
  app.addHook('onSend', async (request) => {
    if (cache.enabled && request.method !== 'GET' && request.method !== 'HEAD' && request.method !== 'OPTIONS')
      await cache.refresh(true);
  });
  app.addHook('onReady', async () => cache.start());
  app.addHook('onClose', async () => cache.stop());

  app.addHook('onRequest', async (request) => {
    request.origin = {
      ip: request.ip ?? null,
      userAgent: request.headers['user-agent']?.slice(0, 500) ?? null,
    };
    if (!request.url.startsWith('/api/') || request.url.startsWith('/api/docs')) return;
    if (request.routeOptions.config?.public) return;
    request.actor = await authenticate(ctx, request);
    if (request.actor.mustChangePassword && !request.routeOptions.config?.allowDuringPasswordChange) {
      throw new AppError('PASSWORD_CHANGE_REQUIRED', 'Replace your temporary password before continuing.');
    }
  });
});

async function authenticate(ctx: AppContext, request: FastifyRequest): Promise<Actor> {
  const token = bearerToken(request.headers.authorization);
  const headerKey = request.headers['x-api-key'];
  const apiKey = typeof headerKey === 'string' ? headerKey.trim() : token && looksLikeApiKey(token) ? token : null;
  if (apiKey) {
    if (isSessionOnlyRoute(request.routeOptions.url)) {
      throw new AppError('FORBIDDEN', 'API keys cannot use this route (sessions, API keys): sign in as a person.', {
        actorType: 'api_key',
      });
    }
    return authenticateApiKey(ctx, apiKey, request.origin);
  }
  if (!token) {
    throw new AppError(
      'UNAUTHENTICATED',
      'Sign in first: send an access token as "Authorization: Bearer <token>", or an API key as "X-API-Key: cdp_…".',
    );
  }
  const claims = await ctx.tokens.verify(token);
  const idleLimit = ctx.config.sessionIdleMinutes * 60;
  const cache = actorCacheFor(ctx.database, ctx.config.actorCacheSeconds);
  const cacheKey = `s:${claims.sessionId}:${claims.userId}:${claims.orgId}`;
  const cached = cache.get(cacheKey, idleLimit);
  if (cached) return cached;
  const version = cache.currentVersion();

  // One round trip: the definer function checks the ids belong together and touches activity.
  const { rows } = await ctx.database.pool.query<SessionRow>('select * from app_session_actor($1, $2, $3, $4)', [
    claims.sessionId,
    claims.userId,
    claims.orgId,
    idleLimit,
  ]);
  const row = rows[0];
  if (!row || row.revoked) {
    throw new AppError('UNAUTHENTICATED', 'This session has ended. Sign in again.');
  }
  if (row.user_status !== 'active' || row.org_status !== 'active') {
    throw new AppError('ACCOUNT_DISABLED', 'This account has been deactivated. Contact your administrator.');
  }
  if (row.expired || row.idle_seconds > idleLimit) {
    const reason = row.expired ? 'max_age' : 'idle_timeout';
    await ctx.database.tenant(claims.orgId, (tx) =>
      endSession(tx, claims.orgId, claims.sessionId, reason, {
        type: 'user',
        id: row.user_id,
        label: row.email,
        ...request.origin,
      }),
    );
    throw sessionExpiredError(reason, ctx.config.sessionIdleMinutes);
  }
  const actor: Actor = {
    type: 'user',
    userId: row.user_id,
    email: row.email,
    name: row.name,
    orgId: row.org_id,
    orgCode: row.org_code,
    orgName: row.org_name,
    orgKind: row.org_kind,
    sessionId: claims.sessionId,
    apiKey: null,
    mustChangePassword: row.must_change_password,
    grants: row.grants,
    features: row.org_features ?? {},
  };
  cache.set(cacheKey, actor, version, { idleSeconds: row.idle_seconds });
  return actor;
}

/** The authenticated actor; routes behind the auth hook always have one. */
export function actorOf(request: FastifyRequest): Actor {
  if (!request.actor) throw new AppError('UNAUTHENTICATED', 'Sign in first.');
  return request.actor;
}

/** Who a write made by this request is by: the actor, with the request's IP and user agent. */
export function authorOf(request: FastifyRequest): Author {
  return userAuthor(actorOf(request), request.origin);
}

/** Route preHandler: 403 naming the permission when the actor lacks it everywhere. */
export function requirePermission(permission: Permission) {
  return async (request: FastifyRequest, _reply: FastifyReply) => {
    if (!can(actorOf(request), permission)) throw forbidden(permission);
  };
}
