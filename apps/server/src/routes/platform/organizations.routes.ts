import {
  CreateOrganizationRequest,
  IdParams,
  Organization,
  OrganizationStatusRequest,
  UpdateOrganizationRequest,
  User,
  withPermissions,
} from '@cdp/contracts';
import { organizations, type Tx } from '@cdp/db';
import { eq, sql } from 'drizzle-orm';
import type { FastifyPluginAsyncZod } from 'fastify-type-provider-zod';
import { z } from 'zod';
import { type AuditEntry, appendAudit } from '../../audit/audit-log.ts';
import { type Actor, actorRef, can } from '../../auth/actor.ts';
import { endUserSessions } from '../../auth/sessions.ts';
import { createOrganization } from '../../commands/create-organization.ts';
import { AppError, notFound } from '../../lib/app-error.ts';
import type { AppContext } from '../../lib/context.ts';
import { actorOf, requirePermission } from '../../plugins/auth.ts';
import {
  findOrganization,
  listOrganizations,
  type OrganizationWithUsage,
  presentOrganization,
} from '../../repositories/organizations.repo.ts';
import { assignmentsByUser, listUsers, presentUser } from '../../repositories/users.repo.ts';

const OrganizationList = z.object({ data: z.array(Organization) });
const OrganizationWithPermissions = withPermissions(Organization);

function platformPermissions(actor: Actor): string[] {
  return (['tenant:manage:all', 'tenant:create:all'] as const).filter((p) => can(actor, p));
}

/** Writes the event into the tenant's own trail and into the platform's. */
async function auditBoth(tx: Tx, actor: Actor, tenantId: string, entry: Omit<AuditEntry, 'orgId' | 'actor'>) {
  for (const orgId of new Set([tenantId, actor.orgId])) {
    await appendAudit(tx, { ...entry, orgId, actor: actorRef(actor) });
  }
}

export const platformOrganizationRoutes: FastifyPluginAsyncZod<{ ctx: AppContext }> = async (app, { ctx }) => {
  const load = async (tx: Tx, id: string, forUpdate = false): Promise<OrganizationWithUsage> => {
    const org = await findOrganization(tx, id, { forUpdate });
    if (!org) throw notFound('Organization');
    return org;
  };

  app.get(
    '/api/platform/organizations',
    {
      preHandler: requirePermission('tenant:view:all'),
      schema: {
        tags: ['platform'],
        summary: 'Every organization, with usage against its quotas',
        response: { 200: OrganizationList },
      },
    },
    async () => {
      const rows = await ctx.database.system((tx) => listOrganizations(tx));
      return { data: rows.map(presentOrganization) };
    },
  );

  app.post(
    '/api/platform/organizations',
    {
      preHandler: requirePermission('tenant:create:all'),
      schema: {
        tags: ['platform'],
        summary: 'Create an organization (tenant), optionally with its first administrator',
        body: CreateOrganizationRequest,
        response: { 201: OrganizationWithPermissions },
      },
    },
    async (request, reply) => {
      const actor = actorOf(request);
      const id = await createOrganization(ctx, actor, request.body, request.origin);
      const org = await ctx.database.system((tx) => load(tx, id));
      return reply.status(201).send({ data: presentOrganization(org), permissions: platformPermissions(actor) });
    },
  );

  app.get(
    '/api/platform/organizations/:id',
    {
      preHandler: requirePermission('tenant:view:all'),
      schema: {
        tags: ['platform'],
        summary: 'One organization',
        params: IdParams,
        response: { 200: OrganizationWithPermissions },
      },
    },
    async (request) => {
      const actor = actorOf(request);
      const org = await ctx.database.system((tx) => load(tx, request.params.id));
      return { data: presentOrganization(org), permissions: platformPermissions(actor) };
    },
  );

  app.get(
    '/api/platform/organizations/:id/users',
    {
      preHandler: requirePermission('tenant:view:all'),
      schema: {
        tags: ['platform'],
        summary: 'Users of an organization (recorded in that organization’s audit trail)',
        params: IdParams,
        response: { 200: z.object({ data: z.array(User) }) },
      },
    },
    async (request) => {
      const actor = actorOf(request);
      return ctx.database.system(async (tx) => {
        const org = await load(tx, request.params.id);
        // Read as if inside the tenant: the repository filters by this organization.
        const users = await listUsers(tx, { ...actor, orgId: org.id }, { status: 'all' });
        const roles = await assignmentsByUser(
          tx,
          org.id,
          users.map((u) => u.id),
        );
        await appendAudit(tx, {
          orgId: org.id,
          actor: actorRef(actor),
          action: 'platform.tenant_viewed',
          resourceType: 'organization',
          resourceId: org.id,
          newValues: { viewed: 'users' },
          origin: request.origin,
        });
        return { data: users.map((u) => presentUser(u, roles.get(u.id) ?? [])) };
      });
    },
  );

  app.patch(
    '/api/platform/organizations/:id',
    {
      preHandler: requirePermission('tenant:manage:all'),
      schema: {
        tags: ['platform'],
        summary: 'Rename an organization, switch its features, set its quotas',
        params: IdParams,
        body: UpdateOrganizationRequest,
        response: { 200: OrganizationWithPermissions },
      },
    },
    async (request) => {
      const actor = actorOf(request);
      const input = request.body;
      const org = await ctx.database.system(async (tx) => {
        const before = await load(tx, request.params.id, true);
        const next = {
          name: input.name ?? before.name,
          features: { ...before.features, ...input.features },
          maxStudies:
            input.quotas && 'maxStudies' in input.quotas ? (input.quotas.maxStudies ?? null) : before.maxStudies,
          maxUsers: input.quotas && 'maxUsers' in input.quotas ? (input.quotas.maxUsers ?? null) : before.maxUsers,
        };
        await tx
          .update(organizations)
          .set({ ...next, updatedAt: sql`now()` })
          .where(eq(organizations.id, before.id));
        await auditBoth(tx, actor, before.id, {
          action: 'organization.updated',
          resourceType: 'organization',
          resourceId: before.id,
          oldValues: {
            name: before.name,
            features: before.features,
            maxStudies: before.maxStudies,
            maxUsers: before.maxUsers,
          },
          newValues: next,
          origin: request.origin,
        });
        return load(tx, before.id);
      });
      return { data: presentOrganization(org), permissions: platformPermissions(actor) };
    },
  );

  for (const action of ['deactivate', 'reactivate'] as const) {
    app.post(
      `/api/platform/organizations/:id/${action}`,
      {
        preHandler: requirePermission('tenant:manage:all'),
        schema: {
          tags: ['platform'],
          summary:
            action === 'deactivate'
              ? 'Deactivate an organization: its users cannot sign in and their sessions end'
              : 'Reactivate an organization',
          params: IdParams,
          body: OrganizationStatusRequest,
          response: { 200: OrganizationWithPermissions },
        },
      },
      async (request) => {
        const actor = actorOf(request);
        const org = await ctx.database.system(async (tx) => {
          const before = await load(tx, request.params.id, true);
          if (before.kind === 'platform') {
            throw new AppError('INVALID_STATE', 'The platform organization cannot be deactivated.');
          }
          const status = action === 'deactivate' ? 'deactivated' : 'active';
          if (before.status === status) {
            throw new AppError('INVALID_STATE', `${before.name} is already ${status}.`);
          }
          await tx
            .update(organizations)
            .set({
              status,
              deactivatedAt: status === 'deactivated' ? sql`now()` : null,
              deactivatedReason: status === 'deactivated' ? request.body.reason : null,
              updatedAt: sql`now()`,
            })
            .where(eq(organizations.id, before.id));
          await auditBoth(tx, actor, before.id, {
            action: `organization.${action}d`,
            resourceType: 'organization',
            resourceId: before.id,
            oldValues: { status: before.status },
            newValues: { status },
            reason: request.body.reason,
            origin: request.origin,
          });
          if (status === 'deactivated') {
            const { rows } = await tx.execute<{ id: string }>(
              sql`select distinct user_id as id from sessions where org_id = ${before.id} and revoked_at is null`,
            );
            for (const { id } of rows) {
              await endUserSessions(tx, before.id, id, 'deactivated', request.origin, actorRef(actor));
            }
          }
          return load(tx, before.id);
        });
        return { data: presentOrganization(org), permissions: platformPermissions(actor) };
      },
    );
  }
};
