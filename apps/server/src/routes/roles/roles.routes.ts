import {
  CreateRoleRequest,
  IdParams,
  PERMISSION_LABELS,
  PERMISSIONS,
  Role,
  TENANT_PERMISSIONS,
  UpdateRoleRequest,
  withPermissions,
} from '@cdp/contracts';
import { roleAssignments, roles, type Tx } from '@cdp/db';
import { and, asc, eq, isNull, ne, or, sql } from 'drizzle-orm';
import type { FastifyPluginAsyncZod } from 'fastify-type-provider-zod';
import { z } from 'zod';
import { appendAudit } from '../../audit/audit-log.ts';
import { type Actor, actorRef, can } from '../../auth/actor.ts';
import { AppError, isUniqueViolation, notFound } from '../../lib/app-error.ts';
import type { AppContext } from '../../lib/context.ts';
import { actorOf, requirePermission } from '../../plugins/auth.ts';

const RoleList = z.object({ data: z.array(Role) });
const PermissionCatalogue = z.object({
  data: z.array(z.object({ code: z.string(), label: z.string(), assignable: z.boolean() })),
});

async function loadRoles(tx: Tx, actor: Actor, id?: string) {
  return tx
    .select({
      id: roles.id,
      key: roles.key,
      name: roles.name,
      description: roles.description,
      isSystem: roles.isSystem,
      orgId: roles.orgId,
      permissions: roles.permissions,
      // Spelled out: a column interpolated here would render unqualified and bind to `ra`.
      assignments: sql<number>`(select count(*)::int from role_assignments ra
        where ra.role_id = roles.id and ra.org_id = ${actor.orgId})`,
    })
    .from(roles)
    .where(
      and(
        or(isNull(roles.orgId), eq(roles.orgId, actor.orgId)),
        // Tenants never see the platform administrator role.
        actor.orgKind === 'platform' ? undefined : ne(roles.key, 'platform_admin'),
        id ? eq(roles.id, id) : undefined,
      ),
    )
    .orderBy(sql`${roles.isSystem} desc`, asc(roles.name));
}

function present(row: Awaited<ReturnType<typeof loadRoles>>[number]): Role {
  const { orgId: _orgId, ...role } = row;
  return role;
}

/** Custom roles can be changed by whoever manages the organization; system roles by nobody. */
function rolePermissions(actor: Actor, role: { isSystem: boolean }): string[] {
  return !role.isSystem && can(actor, 'organization:manage:own') ? ['organization:manage:own'] : [];
}

/** A custom role of the actor's organization, locked for change; system roles are read-only. */
async function findCustomRole(tx: Tx, actor: Actor, id: string) {
  const [row] = await tx
    .select()
    .from(roles)
    .where(and(eq(roles.id, id), or(isNull(roles.orgId), eq(roles.orgId, actor.orgId))))
    .for('update');
  if (!row || (row.key === 'platform_admin' && actor.orgKind !== 'platform')) throw notFound('Role');
  if (row.isSystem) throw new AppError('INVALID_STATE', `${row.name} is a system role and cannot be changed.`);
  return row;
}

export const roleRoutes: FastifyPluginAsyncZod<{ ctx: AppContext }> = async (app, { ctx }) => {
  app.get(
    '/api/permissions',
    {
      schema: {
        tags: ['roles'],
        summary: 'Every permission code, and whether a custom role may include it',
        response: { 200: PermissionCatalogue },
      },
    },
    async () => ({
      data: PERMISSIONS.map((code) => ({
        code,
        label: PERMISSION_LABELS[code],
        assignable: TENANT_PERMISSIONS.includes(code),
      })),
    }),
  );

  app.get(
    '/api/roles',
    {
      preHandler: requirePermission('user:view:own'),
      schema: {
        tags: ['roles'],
        summary: 'System roles and your organization’s custom roles, with their permissions',
        response: { 200: RoleList },
      },
    },
    async (request) => {
      const actor = actorOf(request);
      const rows = await ctx.database.tenant(actor.orgId, (tx) => loadRoles(tx, actor));
      return { data: rows.map(present) };
    },
  );

  app.get(
    '/api/roles/:id',
    {
      preHandler: requirePermission('user:view:own'),
      schema: { tags: ['roles'], summary: 'One role', params: IdParams, response: { 200: withPermissions(Role) } },
    },
    async (request) => {
      const actor = actorOf(request);
      const [row] = await ctx.database.tenant(actor.orgId, (tx) => loadRoles(tx, actor, request.params.id));
      if (!row) throw notFound('Role');
      return { data: present(row), permissions: rolePermissions(actor, row) };
    },
  );

  app.post(
    '/api/roles',
    {
      preHandler: requirePermission('organization:manage:own'),
      schema: {
        tags: ['roles'],
        summary: 'Create a custom role from the tenant permissions',
        body: CreateRoleRequest,
        response: { 201: withPermissions(Role) },
      },
    },
    async (request, reply) => {
      const actor = actorOf(request);
      const input = request.body;
      try {
        const role = await ctx.database.tenant(actor.orgId, async (tx) => {
          const [row] = await tx
            .insert(roles)
            .values({
              orgId: actor.orgId,
              key: input.key,
              name: input.name,
              description: input.description,
              permissions: [...new Set(input.permissions)],
            })
            .returning();
          if (!row) throw new Error('role insert returned nothing');
          await appendAudit(tx, {
            orgId: actor.orgId,
            actor: actorRef(actor),
            action: 'role.created',
            resourceType: 'role',
            resourceId: row.id,
            newValues: { key: row.key, name: row.name, permissions: row.permissions },
            origin: request.origin,
          });
          const [loaded] = await loadRoles(tx, actor, row.id);
          if (!loaded) throw new Error('created role not found');
          return present(loaded);
        });
        return reply.status(201).send({ data: role, permissions: rolePermissions(actor, role) });
      } catch (error) {
        if (isUniqueViolation(error, 'roles_org_key')) {
          throw new AppError('CONFLICT', `A role with key ${input.key} already exists.`, {
            issues: [{ path: 'body.key', message: 'This key is already used.' }],
          });
        }
        throw error;
      }
    },
  );

  app.patch(
    '/api/roles/:id',
    {
      preHandler: requirePermission('organization:manage:own'),
      schema: {
        tags: ['roles'],
        summary: 'Change a custom role (takes effect on each holder’s next request)',
        params: IdParams,
        body: UpdateRoleRequest,
        response: { 200: withPermissions(Role) },
      },
    },
    async (request) => {
      const actor = actorOf(request);
      const role = await ctx.database.tenant(actor.orgId, async (tx) => {
        const before = await findCustomRole(tx, actor, request.params.id);
        const input = request.body;
        const changes = {
          ...(input.name !== undefined ? { name: input.name } : {}),
          ...(input.description !== undefined ? { description: input.description } : {}),
          ...(input.permissions !== undefined ? { permissions: [...new Set(input.permissions)] } : {}),
        };
        await tx
          .update(roles)
          .set({ ...changes, updatedAt: sql`now()` })
          .where(eq(roles.id, before.id));
        await appendAudit(tx, {
          orgId: actor.orgId,
          actor: actorRef(actor),
          action: 'role.updated',
          resourceType: 'role',
          resourceId: before.id,
          oldValues: Object.fromEntries(Object.keys(changes).map((k) => [k, before[k as keyof typeof before]])),
          newValues: changes,
          origin: request.origin,
        });
        const [loaded] = await loadRoles(tx, actor, before.id);
        if (!loaded) throw new Error('updated role not found');
        return present(loaded);
      });
      return { data: role, permissions: rolePermissions(actor, role) };
    },
  );

  app.delete(
    '/api/roles/:id',
    {
      preHandler: requirePermission('organization:manage:own'),
      schema: {
        tags: ['roles'],
        summary: 'Delete a custom role that nobody holds',
        params: IdParams,
        response: { 200: z.object({ ok: z.literal(true) }) },
      },
    },
    async (request) => {
      const actor = actorOf(request);
      await ctx.database.tenant(actor.orgId, async (tx) => {
        const role = await findCustomRole(tx, actor, request.params.id);
        const [{ count } = { count: 0 }] = await tx
          .select({ count: sql<number>`count(*)::int` })
          .from(roleAssignments)
          .where(eq(roleAssignments.roleId, role.id));
        if (count > 0) {
          throw new AppError(
            'INVALID_STATE',
            `${role.name} is still assigned ${count} time${count === 1 ? '' : 's'}; revoke those assignments first.`,
          );
        }
        await tx.delete(roles).where(eq(roles.id, role.id));
        await appendAudit(tx, {
          orgId: actor.orgId,
          actor: actorRef(actor),
          action: 'role.deleted',
          resourceType: 'role',
          resourceId: role.id,
          oldValues: { key: role.key, name: role.name, permissions: role.permissions },
          origin: request.origin,
        });
      });
      return { ok: true as const };
    },
  );
};
