import type pg from 'pg';

/**
 * Row counts of every tenant table for the given organizations (and their organization rows),
 * with the newest `updated_at` where a table has one: equal snapshots before and after a request
 * mean it wrote nothing there. Scoped to the test's own organizations because other test files
 * write to the same database at the same time. Sessions' activity time is left out: being
 * signed in touches it.
 */
export async function tableSnapshot(admin: pg.Pool, orgIds: string[]): Promise<Record<string, string>> {
  const { rows: tables } = await admin.query<{ table_name: string; has_updated: boolean }>(`
    select t.table_name,
           exists (select 1 from information_schema.columns c
                   where c.table_schema = 'public' and c.table_name = t.table_name and c.column_name = 'updated_at')
             as has_updated
    from information_schema.tables t
    where t.table_schema = 'public' and t.table_type = 'BASE TABLE'
      and (t.table_name = 'organizations' or exists (
        select 1 from information_schema.columns c
        where c.table_schema = 'public' and c.table_name = t.table_name and c.column_name = 'org_id'))
    order by t.table_name`);
  const snapshot: Record<string, string> = {};
  for (const { table_name: table, has_updated: hasUpdated } of tables) {
    // Request counters change with every request, refused or not: they are not the tenant's data.
    if (table === 'rate_limit_counters') continue;
    const column = table === 'organizations' ? 'id' : 'org_id';
    const { rows } = await admin.query<{ n: string; u: string | null }>(
      `select count(*)::text as n, ${hasUpdated ? 'max(updated_at)::text' : 'null'} as u
       from "${table}" where ${column} = any($1::uuid[])`,
      [orgIds],
    );
    snapshot[table] = `${rows[0]?.n}/${rows[0]?.u ?? '-'}`;
  }
  return snapshot;
}
