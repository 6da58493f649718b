import { roleAssignments, roles, type Tx } from '@cdp/db';
import { and, asc, eq, isNull, ne, or, sql } from 'drizzle-orm';

export type RoleRow = typeof roles.$inferSelect;

/** Whose roles: the organization, and whether it is the platform (which alone sees platform_admin). */
export interface RoleScope {
  orgId: string;
  orgKind: 'tenant' | 'platform';
}

/** System roles and the organization's custom roles, with how often each is assigned there. */
export async function listRoles(tx: Tx, scope: RoleScope, id?: string) {
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
        where ra.role_id = roles.id and ra.org_id = ${scope.orgId})`,
    })
    .from(roles)
    .where(
      and(
        or(isNull(roles.orgId), eq(roles.orgId, scope.orgId)),
        // Tenants never see the platform administrator role.
        scope.orgKind === 'platform' ? undefined : ne(roles.key, 'platform_admin'),
        id ? eq(roles.id, id) : undefined,
      ),
    )
    .orderBy(sql`${roles.isSystem} desc`, asc(roles.name));
}

export type RoleWithUsage = Awaited<ReturnType<typeof listRoles>>[number];

/** A role the organization can see (system or its own), locked FOR UPDATE. */
export async function lockRole(tx: Tx, orgId: string, id: string): Promise<RoleRow | null> {
  const [row] = await tx
    .select()
    .from(roles)
    .where(and(eq(roles.id, id), or(isNull(roles.orgId), eq(roles.orgId, orgId))))
    .for('update');
  return row ?? null;
}

export async function countAssignments(tx: Tx, roleId: string): Promise<number> {
  const [{ count } = { count: 0 }] = await tx
    .select({ count: sql<number>`count(*)::int` })
    .from(roleAssignments)
    .where(eq(roleAssignments.roleId, roleId));
  return count;
}
