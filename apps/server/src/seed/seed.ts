import { SYSTEM_ROLES, type SystemRoleKey } from '@cdp/contracts';
import { organizations, roleAssignments, roles, studies, type Tx, users } from '@cdp/db';
import { and, eq, sql } from 'drizzle-orm';
import { appendAudit } from '../audit/audit-log.ts';
import { systemAuthor } from '../auth/author.ts';
import { checkPasswordPolicy, hashPassword } from '../auth/passwords.ts';
import type { AppContext } from '../lib/context.ts';
import { createStudyFolders, studyDir } from '../lib/study-folders.ts';

export const PLATFORM_ADMIN_EMAIL = 'platform@cdp.local';

/** The demo organization's people, one per system role (monitor limited to the demo study). */
export const DEMO_USERS: { email: string; name: string; role: SystemRoleKey; studyOnly?: boolean }[] = [
  { email: 'admin@demo.cdp.local', name: 'Alex Admin', role: 'org_admin' },
  { email: 'manager@demo.cdp.local', name: 'Morgan Manager', role: 'study_manager' },
  { email: 'scientist@demo.cdp.local', name: 'Sam Scientist', role: 'data_scientist' },
  { email: 'monitor@demo.cdp.local', name: 'Maya Monitor', role: 'clinical_monitor', studyOnly: true },
  { email: 'auditor@demo.cdp.local', name: 'Avery Auditor', role: 'auditor' },
];

export const DEMO_STUDY = {
  code: 'CDP-301',
  name: 'A Phase III, Randomized, Double-Blind, Placebo-Controlled Study of Zelnorin in Moderate Hypertension',
  protocol: 'CDP-301-2026',
  phase: 'III',
  therapeuticArea: 'Cardiovascular',
  description: 'Demonstration study created by the CDP seed.',
} as const;

export interface SeedOptions {
  /** Password for platform admin and demo users when they are created. */
  password: string;
  demo: boolean;
}

export interface SeedResult {
  createdUsers: string[];
}

/**
 * Idempotent: brings system roles in line with the code on every run, and creates the platform
 * organization, its administrator and (optionally) the demo organization only when missing.
 */
export async function seed(ctx: AppContext, options: SeedOptions): Promise<SeedResult> {
  const problems = checkPasswordPolicy(options.password, 'x@cdp.local');
  if (problems.length > 0) {
    throw new Error(`The demo password does not meet the password policy: ${problems.join(' ')}`);
  }
  const passwordHash = await hashPassword(options.password);
  const createdUsers: string[] = [];

  await ctx.database.system(async (tx) => {
    const roleIds = await syncSystemRoles(tx);
    const platform = await ensureOrganization(tx, { code: 'cdp', name: 'CDP Platform', kind: 'platform' });
    if (await ensureUser(tx, platform, PLATFORM_ADMIN_EMAIL, 'Platform Administrator', passwordHash)) {
      createdUsers.push(PLATFORM_ADMIN_EMAIL);
    }
    await ensureAssignment(
      tx,
      platform,
      PLATFORM_ADMIN_EMAIL,
      { key: 'platform_admin', id: roleIds.platform_admin },
      null,
    );

    if (!options.demo) return;
    const demo = await ensureOrganization(tx, { code: 'demo', name: 'Demo Pharma', kind: 'tenant' });
    const studyId = await ensureStudy(ctx, tx, demo);
    for (const person of DEMO_USERS) {
      if (await ensureUser(tx, demo, person.email, person.name, passwordHash)) createdUsers.push(person.email);
      const role = { key: person.role, id: roleIds[person.role] };
      await ensureAssignment(tx, demo, person.email, role, person.studyOnly ? studyId : null);
    }
  });
  return { createdUsers };
}

async function syncSystemRoles(tx: Tx): Promise<Record<SystemRoleKey, string>> {
  const ids = {} as Record<SystemRoleKey, string>;
  for (const role of Object.values(SYSTEM_ROLES)) {
    const [row] = await tx
      .insert(roles)
      .values({
        orgId: null,
        key: role.key,
        name: role.name,
        description: role.description,
        isSystem: true,
        permissions: [...role.permissions],
      })
      .onConflictDoUpdate({
        target: [roles.orgId, roles.key],
        set: {
          name: role.name,
          description: role.description,
          permissions: [...role.permissions],
          updatedAt: sql`now()`,
        },
      })
      .returning({ id: roles.id });
    if (!row) throw new Error(`could not save system role ${role.key}`);
    ids[role.key] = row.id;
  }
  return ids;
}

async function ensureOrganization(
  tx: Tx,
  org: { code: string; name: string; kind: 'tenant' | 'platform' },
): Promise<string> {
  const [existing] = await tx
    .select({ id: organizations.id })
    .from(organizations)
    .where(eq(organizations.code, org.code));
  if (existing) return existing.id;
  const [row] = await tx.insert(organizations).values(org).returning({ id: organizations.id });
  if (!row) throw new Error(`could not create organization ${org.code}`);
  await appendAudit(tx, {
    orgId: row.id,
    author: systemAuthor(row.id),
    action: 'organization.created',
    resourceType: 'organization',
    resourceId: row.id,
    newValues: org,
    reason: 'initial seed',
  });
  return row.id;
}

async function ensureUser(tx: Tx, orgId: string, email: string, name: string, passwordHash: string): Promise<boolean> {
  const [existing] = await tx.select({ id: users.id }).from(users).where(sql`lower(${users.email}) = ${email}`);
  if (existing) return false;
  const [row] = await tx
    .insert(users)
    .values({ orgId, email, name, passwordHash, mustChangePassword: false })
    .returning({ id: users.id });
  if (!row) throw new Error(`could not create user ${email}`);
  await appendAudit(tx, {
    orgId,
    author: systemAuthor(orgId),
    action: 'user.created',
    resourceType: 'user',
    resourceId: row.id,
    newValues: { email, name },
    reason: 'initial seed',
  });
  return true;
}

async function ensureAssignment(
  tx: Tx,
  orgId: string,
  email: string,
  role: { key: string; id: string },
  studyId: string | null,
) {
  const roleId = role.id;
  const [user] = await tx.select({ id: users.id }).from(users).where(sql`lower(${users.email}) = ${email}`);
  if (!user) return;
  const [existing] = await tx
    .select({ id: roleAssignments.id })
    .from(roleAssignments)
    .where(and(eq(roleAssignments.userId, user.id), eq(roleAssignments.roleId, roleId)));
  if (existing) return;
  await tx.insert(roleAssignments).values({ orgId, userId: user.id, roleId, studyId });
  await appendAudit(tx, {
    orgId,
    author: systemAuthor(orgId),
    action: 'role.assigned',
    resourceType: 'user',
    resourceId: user.id,
    newValues: { user: email, role: role.key, studyId },
    reason: 'initial seed',
  });
}

async function ensureStudy(ctx: AppContext, tx: Tx, orgId: string): Promise<string> {
  const [existing] = await tx
    .select({ id: studies.id })
    .from(studies)
    .where(and(eq(studies.orgId, orgId), eq(studies.code, DEMO_STUDY.code)));
  const id = existing?.id ?? crypto.randomUUID();
  // Folders are (re)made either way: a fresh DATA_DIR with an existing database gets them back.
  await createStudyFolders(studyDir(ctx.config.dataDir, orgId, id));
  if (existing) return id;
  await tx.insert(studies).values({ id, orgId, ...DEMO_STUDY, status: 'active' });
  await appendAudit(tx, {
    orgId,
    author: systemAuthor(orgId),
    action: 'study.created',
    resourceType: 'study',
    resourceId: id,
    newValues: { ...DEMO_STUDY, status: 'active' },
    reason: 'initial seed',
  });
  return id;
}
