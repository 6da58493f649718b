import type { Database } from '@cdp/db';
import { organizations } from '@cdp/db';
import { eq } from 'drizzle-orm';
import type { FastifyInstance, FastifyRequest } from 'fastify';
import fp from 'fastify-plugin';
import { AppError } from '../lib/app-error.ts';
import type { AppContext } from '../lib/context.ts';
import { type SecurityEvent, SecurityLog } from '../lib/security-log.ts';
import { findResourceOwners } from '../repositories/resource-owners.repo.ts';

declare module 'fastify' {
  interface FastifyInstance {
    securityLog: SecurityLog;
  }
}

const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;
const errorOf = new WeakMap<FastifyRequest, unknown>();

/**
 * Turns answers into security-log events, in one place for every route: a 403 for a missing
 * permission, a 404 on a real resource of another organization, a forged or tampered token, a
 * reused refresh token, a rate limit, a sign-in refused while locked. Classified after the answer
 * is sent, so probing is not slowed down in a way the prober could measure.
 *
 * Where each goes: a denied permission, a reuse or a lockout into the actor's own organization's
 * log; a probe of another tenant into the platform's log in full and into the probed tenant's log
 * without who or where from (never into the prober's organization: its administrator would learn
 * which ids exist elsewhere); bad tokens and anonymous rate limits into the platform's log.
 */
export const securityEventsPlugin = fp(async (app: FastifyInstance, { ctx }: { ctx: AppContext }) => {
  const log = new SecurityLog(ctx.database, ctx.log);
  app.decorate('securityLog', log);
  app.addHook('onClose', () => log.close());
  const platformOrg = platformOrgIdOnce(ctx.database);

  app.addHook('onError', async (request, _reply, error) => {
    errorOf.set(request, error);
  });

  app.addHook('onResponse', async (request, reply) => {
    const status = reply.statusCode;
    if (status !== 401 && status !== 403 && status !== 404 && status !== 429) return;
    const work = (async () => {
      try {
        for (const event of await classify(ctx.database, request, status, errorOf.get(request), platformOrg)) {
          log.record(event);
        }
      } catch (error) {
        request.log.error({ err: error }, 'could not classify a security event');
      }
    })();
    log.track(work);
    await work;
  });
});

async function classify(
  database: Database,
  request: FastifyRequest,
  status: number,
  error: unknown,
  platformOrg: () => Promise<string>,
): Promise<SecurityEvent[]> {
  const actor = request.actor;
  const base = {
    ip: request.origin?.ip ?? request.ip ?? null,
    userAgent: request.origin?.userAgent ?? null,
    method: request.method,
    route: request.routeOptions.url ?? null,
    status,
  };
  const actorRef = actor?.apiKey
    ? { type: actor.type, id: actor.apiKey.id, label: actor.apiKey.name }
    : actor
      ? { type: actor.type, id: actor.userId, label: actor.email }
      : null;

  if (error instanceof AppError && error.security) {
    const { orgId, ...signal } = error.security;
    return [{ ...base, actor: actorRef, ...signal, orgId: orgId ?? (await platformOrg()) }];
  }
  if (status === 429) {
    return [{ ...base, kind: 'rate_limited', actor: actorRef, orgId: actor?.orgId ?? (await platformOrg()) }];
  }
  if (!actor || !(error instanceof AppError)) return [];
  if (status === 403 && error.code === 'FORBIDDEN') {
    const missing = (error.details as { missingPermission?: string } | undefined)?.missingPermission;
    return [
      {
        ...base,
        kind: 'permission_denied',
        actor: actorRef,
        orgId: actor.orgId,
        detail: missing ? { missingPermission: missing } : null,
      },
    ];
  }
  if (status === 404 && error.code === 'NOT_FOUND') {
    const ids = Object.values((request.params ?? {}) as Record<string, unknown>).filter(
      (v): v is string => typeof v === 'string' && UUID.test(v),
    );
    const foreign = (await findResourceOwners(database, ids)).find((owner) => owner.orgId !== actor.orgId);
    if (!foreign) return [];
    const probe = {
      ...base,
      kind: 'cross_tenant' as const,
      resourceType: foreign.resourceType,
      resourceId: foreign.id,
    };
    return [
      { ...probe, orgId: await platformOrg(), actor: actorRef, actorOrgId: actor.orgId, targetOrgId: foreign.orgId },
      // The probed tenant learns what was tried, not who tried it or from where.
      {
        ...probe,
        orgId: foreign.orgId,
        ip: null,
        userAgent: null,
        redacted: true,
        detail: { note: 'A user of another organization asked for this resource and was told it does not exist.' },
      },
    ];
  }
  return [];
}

function platformOrgIdOnce(database: Database): () => Promise<string> {
  let id: Promise<string> | undefined;
  return () => {
    id ??= database.system(async (tx) => {
      const [row] = await tx
        .select({ id: organizations.id })
        .from(organizations)
        .where(eq(organizations.kind, 'platform'))
        .limit(1);
      if (!row) throw new Error('The platform organization is missing: run `cdp seed`.');
      return row.id;
    });
    // A failure is not cached: the next event tries again.
    id.catch(() => {
      id = undefined;
    });
    return id;
  };
}
