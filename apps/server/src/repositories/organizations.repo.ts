import { organizations, type Tx } from '@cdp/db';
import { asc, eq, sql } from 'drizzle-orm';

export type OrganizationRow = typeof organizations.$inferSelect;

// Written out in full: drizzle renders a column inside `sql` unqualified, which in a
// correlated subquery would bind to the inner table.
const usage = {
  studies: sql<number>`(select count(*)::int from studies s
    where s.org_id = organizations.id and s.status <> 'archived')`,
  users: sql<number>`(select count(*)::int from users u
    where u.org_id = organizations.id and u.status = 'active')`,
};

export type OrganizationWithUsage = OrganizationRow & { usageStudies: number; usageUsers: number };

/** Platform console only: reads across tenants, so it runs in a system transaction. */
export async function listOrganizations(tx: Tx): Promise<OrganizationWithUsage[]> {
  return tx
    .select({ org: organizations, usageStudies: usage.studies, usageUsers: usage.users })
    .from(organizations)
    .orderBy(sql`${organizations.kind} = 'platform' desc`, asc(organizations.name))
    .then((rows) => rows.map((r) => ({ ...r.org, usageStudies: r.usageStudies, usageUsers: r.usageUsers })));
}

export async function findOrganization(
  tx: Tx,
  id: string,
  options: { forUpdate?: boolean } = {},
): Promise<OrganizationWithUsage | null> {
  const query = tx
    .select({ org: organizations, usageStudies: usage.studies, usageUsers: usage.users })
    .from(organizations)
    .where(eq(organizations.id, id));
  const rows = options.forUpdate ? await query.for('update', { of: organizations }) : await query;
  const r = rows[0];
  return r ? { ...r.org, usageStudies: r.usageStudies, usageUsers: r.usageUsers } : null;
}
