import type { Database } from '@cdp/db';
import { sql } from 'drizzle-orm';

export interface ResourceOwner {
  id: string;
  orgId: string;
  /** The table the id was found in (`studies`, `dashboards`, …). */
  resourceType: string;
}

let tenantTables: Promise<string[]> | undefined;

/**
 * Every tenant table with a uuid `id`, read from the catalog once, so a table added later is
 * covered without touching this file.
 */
function tablesWithIds(database: Database): Promise<string[]> {
  tenantTables ??= database.system(async (tx) => {
    const { rows } = await tx.execute<{ table_name: string }>(sql`
      select c.table_name from information_schema.columns c
      join information_schema.columns o
        on o.table_schema = c.table_schema and o.table_name = c.table_name and o.column_name = 'org_id'
      where c.table_schema = 'public' and c.column_name = 'id' and c.data_type = 'uuid'
      order by c.table_name`);
    return rows.map((r) => r.table_name);
  });
  return tenantTables;
}

/**
 * Which organization owns these ids, across every tenant table. Only for the security log,
 * deciding whether a 404 was a probe of another tenant's real resource; it crosses tenants, so it
 * runs in system context and its answer never reaches the client.
 */
export async function findResourceOwners(database: Database, ids: string[]): Promise<ResourceOwner[]> {
  if (ids.length === 0) return [];
  const tables = await tablesWithIds(database);
  const idList = sql.join(
    ids.map((id) => sql`${id}::uuid`),
    sql`, `,
  );
  const union = sql.join(
    tables.map(
      (table) => sql`select id::text as id, org_id::text as org_id, ${table} as resource_type
      from ${sql.identifier(table)} where id in (${idList})`,
    ),
    sql` union all `,
  );
  return database.system(async (tx) => {
    const { rows } = await tx.execute<{ id: string; org_id: string; resource_type: string }>(union);
    return rows.map((r) => ({ id: r.id, orgId: r.org_id, resourceType: r.resource_type }));
  });
}
