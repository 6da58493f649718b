import { mkdtempSync, rmSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { type DuckDBConnection, DuckDBInstance } from '@duckdb/node-api';
import { DSL_MACROS } from './sql-macros.ts';

/**
 * Warm DuckDB instances for DSL runs and previews, one per configuration (memory limit, threads),
 * kept for the life of the process. Opening a DuckDB and defining the macros cost 10–60 ms a run
 * on a loaded machine, more than a whole small pipeline. Each run gets its own connection: its
 * views and tables are TEMP (private to the connection and dropped when it closes), its interrupt
 * stops only its own statement. The DSL never runs a user's SQL, so sharing an instance shares
 * nothing a run could reach. Runs of one configuration share its memory limit (the limit then
 * bounds the process's DuckDB memory as a whole) and its spill folder.
 */

/**
 * Inputs smaller than this (total Parquet bytes) run on a single-threaded instance (see
 * `threadsFor`) and as one statement per output (execute-dsl.ts). Parquet compresses clinical data
 * tightly: the demo's 1,026,129-row LB is 5.5 MB, a 4,400-row DM 86 KB, so 1 MB is roughly a
 * couple of hundred thousand rows (the bound was 64 MB, which sent the million-row LB down the
 * small path: one thread, a table per step, 15 s instead of 3 s).
 */
export const SMALL_INPUT_BYTES = 1024 ** 2;

interface Pooled {
  instance: Promise<DuckDBInstance>;
  spillDir: string;
}

const pool = new Map<string, Pooled>();
let exitHook = false;
/** See `releaseIdleDslMemory`. */
let releaseIdleMemory = false;

/**
 * `true`: the pooled instances opened from now on give the memory a run freed back to the system
 * (DuckDB's `allocator_background_threads`: jemalloc's background thread purges freed pages as they
 * age, instead of only when the process allocates again). Without it an idle worker keeps what its
 * largest recent run used (measured: 20–100 MB more after a few small runs). Set once at start, before
 * the first run (the server's `DUCKDB_RELEASE_IDLE_MEMORY`).
 */
export function releaseIdleDslMemory(on: boolean): void {
  releaseIdleMemory = on;
}

/**
 * Threads for a run: on small inputs one thread is faster (a 5,000-row file is one row group, and
 * scheduling tasks over the cores of a busy machine costs more than the work); large inputs use the
 * default (every core).
 */
export function threadsFor(inputBytes: number): number | undefined {
  return inputBytes < SMALL_INPUT_BYTES ? 1 : undefined;
}

function key(memoryMb: number, threads: number | undefined): string {
  return `${memoryMb}MB/${threads ?? 'all'}`;
}

async function create(memoryMb: number, threads: number | undefined, spillDir: string): Promise<DuckDBInstance> {
  const config: Record<string, string> = {
    autoinstall_known_extensions: 'false',
    autoload_known_extensions: 'false',
    memory_limit: `${memoryMb}MB`,
    temp_directory: spillDir,
  };
  if (threads) config.threads = String(threads);
  if (releaseIdleMemory) config.allocator_background_threads = 'true';
  const instance = await DuckDBInstance.create(':memory:', config);
  const connection = await instance.connect();
  try {
    // The macros live in the instance's catalog once, visible to every run's connection; one
    // round trip for all of them (a fresh worker's first run waits for this).
    await connection.run(DSL_MACROS.map((macro) => macro.replace('TEMP MACRO', 'MACRO')).join(';\n'));
  } finally {
    connection.closeSync();
  }
  return instance;
}

/** A connection to the warm instance of this configuration (created on first use). */
export async function connectPooled(memoryMb: number, threads: number | undefined): Promise<DuckDBConnection> {
  const k = key(memoryMb, threads);
  let entry = pool.get(k);
  if (!entry) {
    const spillDir = mkdtempSync(path.join(os.tmpdir(), 'cdp-dsl-'));
    entry = { spillDir, instance: create(memoryMb, threads, spillDir) };
    pool.set(k, entry);
    if (!exitHook) {
      exitHook = true;
      process.once('exit', () => {
        for (const { spillDir: dir } of pool.values()) rmSync(dir, { recursive: true, force: true });
      });
    }
  }
  const current = entry;
  try {
    return await (await current.instance).connect();
  } catch (error) {
    // A failed or invalidated instance (a fatal DuckDB error) is dropped: the next run starts a new one.
    discard(k, current);
    throw error;
  }
}

/** After a run's error: if its instance can no longer serve (DuckDB invalidated it), drop it. */
export async function checkPooled(memoryMb: number, threads: number | undefined): Promise<void> {
  const k = key(memoryMb, threads);
  const entry = pool.get(k);
  if (!entry) return;
  try {
    const connection = await (await entry.instance).connect();
    try {
      await connection.run('SELECT 1');
    } finally {
      connection.closeSync();
    }
  } catch {
    discard(k, entry);
  }
}

function discard(k: string, entry: Pooled): void {
  if (pool.get(k) !== entry) return;
  pool.delete(k);
  entry.instance.then(
    (instance) => instance.closeSync(),
    () => undefined,
  );
  rmSync(entry.spillDir, { recursive: true, force: true });
}

/** Closes every pooled instance (tests; a worker shutting down). */
export function closePooledInstances(): void {
  for (const [k, entry] of [...pool]) discard(k, entry);
}

/** How many warm instances this process holds (tests). */
export function pooledInstanceCount(): number {
  return pool.size;
}
