import { readFile } from 'node:fs/promises';
import { fileURLToPath } from 'node:url';
import { drizzle } from 'drizzle-orm/node-postgres';
import { migrate } from 'drizzle-orm/node-postgres/migrator';
import pg from 'pg';

/** The SQL migrations; the production build (scripts/build-server.mjs) copies them beside its bundle. */
export const MIGRATIONS_FOLDER = fileURLToPath(
  new URL(process.env.CDP_BUNDLED ? './migrations' : '../migrations', import.meta.url),
);

/** The role the application connects as; created by the migrations, never owner of anything. */
export const APP_ROLE = 'cdp_app';

/** Applies pending migrations as the owner (admin) connection. Safe to run concurrently. */
export async function runMigrations(adminUrl: string): Promise<void> {
  const client = new pg.Client({ connectionString: adminUrl, application_name: 'cdp-migrate' });
  await client.connect();
  try {
    // Two processes migrating at once would race on the same DDL: take a cluster-wide lock.
    await client.query('select pg_advisory_lock(7243001)');
    await migrate(drizzle(client), { migrationsFolder: MIGRATIONS_FOLDER });
  } finally {
    await client.query('select pg_advisory_unlock(7243001)').catch(() => {});
    await client.end();
  }
}

/** Lets the application role log in with the given password (run with the admin connection). */
export async function setAppRolePassword(adminUrl: string, password: string): Promise<void> {
  const client = new pg.Client({ connectionString: adminUrl });
  await client.connect();
  try {
    const quoted = await client.query<{ q: string }>('select quote_literal($1) as q', [password]);
    await client.query(`alter role ${APP_ROLE} login password ${quoted.rows[0]?.q}`);
  } finally {
    await client.end();
  }
}

interface Journal {
  entries: { tag: string; when: number }[];
}

export interface MigrationStatus {
  current: boolean;
  applied: number;
  expected: number;
  latest: string | null;
}

/** Compares what the database has applied with what this build ships: current when it has all of them. */
export async function migrationStatus(pool: pg.Pool): Promise<MigrationStatus> {
  const journal = JSON.parse(await readFile(`${MIGRATIONS_FOLDER}/meta/_journal.json`, 'utf8')) as Journal;
  const expected = journal.entries.length;
  const last = journal.entries.at(-1);
  const { rows } = await pool.query<{ applied: number; newest: string | null }>(
    'select count(*)::int as applied, max(created_at)::text as newest from drizzle.__drizzle_migrations',
  );
  const applied = rows[0]?.applied ?? 0;
  const newest = rows[0]?.newest ?? null;
  // A database ahead of this build is current for it: migrations are additive, and during a rolling
  // upgrade the migration runs first while the previous build's processes still serve.
  return {
    current: applied >= expected && last !== undefined && newest !== null && Number(newest) >= last.when,
    applied,
    expected,
    latest: last?.tag ?? null,
  };
}
