import { randomUUID } from 'node:crypto';
import { and, eq, isNull, or } from 'drizzle-orm';
import type { Database } from './client.ts';
import { organizations, roleAssignments, roles, studies, users } from './schema.ts';

/**
 * Test factories: each call makes fresh rows with unique names, so tests never share state
 * and never clean up after each other. They write through the application role in a system
 * transaction, exactly as the platform console would.
 */

const suffix = () => randomUUID().slice(0, 8);

export interface BuiltOrganization {
  id: string;
  code: string;
  name: string;
}

export async function buildOrganization(
  database: Database,
  overrides: Partial<typeof organizations.$inferInsert> = {},
): Promise<BuiltOrganization> {
  const code = overrides.code ?? `org-${suffix()}`;
  const [row] = await database.system((tx) =>
    tx
      .insert(organizations)
      .values({ code, name: `Org ${code}`, ...overrides })
      .returning({ id: organizations.id, code: organizations.code, name: organizations.name }),
  );
  if (!row) throw new Error('buildOrganization: nothing inserted');
  return row;
}

export interface BuiltUser {
  id: string;
  email: string;
  orgId: string;
}

export interface UserSpec {
  orgId: string;
  passwordHash: string;
  /** key of a system role or of a custom role of the organization */
  role?: string;
  /** limit the role to this study */
  studyId?: string | null;
  expiresAt?: Date | null;
  email?: string;
  name?: string;
  mustChangePassword?: boolean;
  status?: 'active' | 'deactivated';
}

export async function buildUser(database: Database, spec: UserSpec): Promise<BuiltUser> {
  const email = spec.email ?? `user-${suffix()}@test.cdp.local`;
  return database.system(async (tx) => {
    const [user] = await tx
      .insert(users)
      .values({
        orgId: spec.orgId,
        email,
        name: spec.name ?? `Test ${email.split('@')[0]}`,
        passwordHash: spec.passwordHash,
        mustChangePassword: spec.mustChangePassword ?? false,
        status: spec.status ?? 'active',
      })
      .returning({ id: users.id, email: users.email, orgId: users.orgId });
    if (!user) throw new Error('buildUser: nothing inserted');
    if (spec.role) await grantRole(database, user, spec.role, spec.studyId ?? null, spec.expiresAt ?? null, tx);
    return user;
  });
}

type SystemTx = Parameters<Parameters<Database['system']>[0]>[0];

export async function grantRole(
  database: Database,
  user: BuiltUser,
  roleKey: string,
  studyId: string | null = null,
  expiresAt: Date | null = null,
  tx?: SystemTx,
): Promise<string> {
  const run = async (t: SystemTx) => {
    const [role] = await t
      .select({ id: roles.id })
      .from(roles)
      .where(and(eq(roles.key, roleKey), or(isNull(roles.orgId), eq(roles.orgId, user.orgId))))
      .limit(1);
    if (!role) throw new Error(`grantRole: no role ${roleKey}`);
    const [row] = await t
      .insert(roleAssignments)
      .values({ orgId: user.orgId, userId: user.id, roleId: role.id, studyId, expiresAt })
      .returning({ id: roleAssignments.id });
    if (!row) throw new Error('grantRole: nothing inserted');
    return row.id;
  };
  return tx ? run(tx) : database.system(run);
}

export interface BuiltStudy {
  id: string;
  code: string;
  orgId: string;
}

export async function buildStudy(
  database: Database,
  spec: { orgId: string } & Partial<typeof studies.$inferInsert>,
): Promise<BuiltStudy> {
  const code = spec.code ?? `ST-${suffix().toUpperCase()}`;
  const [row] = await database.system((tx) =>
    tx
      .insert(studies)
      .values({ name: `Study ${code}`, phase: 'II', status: 'active', ...spec, code })
      .returning({ id: studies.id, code: studies.code, orgId: studies.orgId }),
  );
  if (!row) throw new Error('buildStudy: nothing inserted');
  return row;
}
