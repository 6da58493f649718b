import type { RoleAssignment } from '@cdp/contracts';
import { roleAssignments, roles, studies, type Tx, users } from '@cdp/db';
import { and, asc, eq, ilike, inArray, or, type SQL, sql } from 'drizzle-orm';
import type { TenantScope } from './studies.repo.ts';

export type UserRow = typeof users.$inferSelect;

export async function findUser(
  tx: Tx,
  actor: TenantScope,
  id: string,
  options: { forUpdate?: boolean } = {},
): Promise<UserRow | null> {
  const query = tx
    .select()
    .from(users)
    .where(and(eq(users.orgId, actor.orgId), eq(users.id, id)))
    .limit(1);
  const rows = options.forUpdate ? await query.for('update') : await query;
  return rows[0] ?? null;
}

export interface UserFilter {
  status: 'active' | 'deactivated' | 'all';
  q?: string;
}

export async function listUsers(tx: Tx, actor: TenantScope, filter: UserFilter): Promise<UserRow[]> {
  const conditions: SQL[] = [eq(users.orgId, actor.orgId)];
  if (filter.status !== 'all') conditions.push(eq(users.status, filter.status));
  if (filter.q) {
    const pattern = `%${filter.q.replace(/[\\%_]/g, (c) => `\\${c}`)}%`;
    const text = or(ilike(users.email, pattern), ilike(users.name, pattern));
    if (text) conditions.push(text);
  }
  return tx
    .select()
    .from(users)
    .where(and(...conditions))
    .orderBy(asc(users.name));
}

/** Role assignments of the given users, grouped by user id. */
export async function assignmentsByUser(
  tx: Tx,
  orgId: string,
  userIds: string[],
): Promise<Map<string, RoleAssignment[]>> {
  const byUser = new Map<string, RoleAssignment[]>();
  if (userIds.length === 0) return byUser;
  const rows = await tx
    .select({
      id: roleAssignments.id,
      userId: roleAssignments.userId,
      roleId: roleAssignments.roleId,
      roleKey: roles.key,
      roleName: roles.name,
      studyId: roleAssignments.studyId,
      studyCode: studies.code,
      expiresAt: roleAssignments.expiresAt,
      expired: sql<boolean>`coalesce(${roleAssignments.expiresAt} <= now(), false)`,
      createdAt: roleAssignments.createdAt,
    })
    .from(roleAssignments)
    .innerJoin(roles, eq(roles.id, roleAssignments.roleId))
    .leftJoin(studies, eq(studies.id, roleAssignments.studyId))
    .where(and(eq(roleAssignments.orgId, orgId), inArray(roleAssignments.userId, userIds)))
    .orderBy(asc(roles.name), asc(studies.code));
  for (const { userId, ...row } of rows) {
    const list = byUser.get(userId) ?? [];
    list.push({
      ...row,
      expiresAt: row.expiresAt?.toISOString() ?? null,
      createdAt: row.createdAt.toISOString(),
    });
    byUser.set(userId, list);
  }
  return byUser;
}

/** A user with their role assignments: what the API shows of a user. */
export interface UserWithRoles {
  row: UserRow;
  roles: RoleAssignment[];
}

export async function withRoles(tx: Tx, orgId: string, row: UserRow): Promise<UserWithRoles> {
  const byUser = await assignmentsByUser(tx, orgId, [row.id]);
  return { row, roles: byUser.get(row.id) ?? [] };
}
