import type { FormatErrorLocation } from '../errors.ts';
import { type DuckDbLimits, isWide, limitsForWidth, type OpenDuckDb, openDuckDb, quoteLiteral } from './duckdb.ts';

/**
 * One DuckDB for all the datasets of an upload that need one (CSV and Parquet members; SAS, XPT,
 * Excel, ODM and Dataset-JSON are written by our own Parquet writer and need none). Opening an
 * instance, and with it its memory budget and thread pool, for each of the 30 to 60 members of an
 * SDTM transfer cost more than converting most of them; members now share one instance, opened on
 * first use, each on a connection of its own (connections of one instance run side by side and
 * share its memory limit, so members converted at once stay within DUCKDB_MEMORY_LIMIT together).
 */
export class ConversionContext {
  private db: Promise<Lease> | undefined;

  private constructor(readonly limits: DuckDbLimits) {}

  static async open(limits: DuckDbLimits = {}): Promise<ConversionContext> {
    return new ConversionContext(limits);
  }

  /** A connection of its own for one dataset; `close` closes the connection, not the instance. */
  async connect(): Promise<OpenDuckDb> {
    this.db ??= leaseDuckDb(this.limits);
    const { db } = await this.db;
    const connection = await db.instance.connect();
    return { instance: db.instance, connection, close: () => connection.closeSync() };
  }

  /** Gives the instance back (or closes it), if one was opened (after every member's connection closed). */
  async close(): Promise<void> {
    const db = this.db;
    this.db = undefined;
    if (db) (await db).release();
  }
}

/**
 * The instance of the last upload, kept for the next one on this thread (issue 18). A CSV upload
 * of 50 rows spent more CPU opening and closing its DuckDB (~20 ms: the instance's configuration,
 * its thread pool, and `closeSync` joining those threads) than converting, and on a busy machine
 * the open alone waited 100–300 ms for a core. One upload at a time uses it (a second one at once
 * opens its own, as before) and it is closed after `KEPT_IDLE_MS` without an upload, so an idle
 * conversion thread holds no DuckDB memory. It is kept only for uploads that name a spill folder
 * (every server upload does): each lease points the instance's spill folder at its own upload's
 * folder, and an instance that has already spilled, which DuckDB cannot point elsewhere, is closed
 * and replaced, as is one a fatal error invalidated (the same statement fails). Conversions leave
 * nothing behind in it: they read files and COPY to files on connections of their own, and every
 * file they name is new (the upload's own temp and work folders).
 */
interface KeptDuckDb {
  db: OpenDuckDb;
  /** The limits it was opened with, but for the spill folder. */
  key: string;
  busy: boolean;
  timer?: NodeJS.Timeout;
}

const KEPT_IDLE_MS = 20_000;
let kept: KeptDuckDb | undefined;
let instancesOpened = 0;

interface Lease {
  db: OpenDuckDb;
  release(): void;
}

async function open(limits: DuckDbLimits): Promise<OpenDuckDb> {
  instancesOpened++;
  return openDuckDb(limits);
}

function closeKept(entry: KeptDuckDb): void {
  if (kept === entry) kept = undefined;
  clearTimeout(entry.timer);
  entry.db.close();
}

/**
 * Points the kept instance's spill folder at this upload's; false when DuckDB refuses: it has
 * spilled (DuckDB cannot move a used spill folder), or a fatal error invalidated the instance.
 */
async function spillTo(db: OpenDuckDb, folder: string): Promise<boolean> {
  try {
    await db.connection.run(`SET GLOBAL temp_directory = ${quoteLiteral(folder)}`);
    return true;
  } catch {
    return false;
  }
}

async function leaseDuckDb(limits: DuckDbLimits): Promise<Lease> {
  const { tempDirectory, ...rest } = limits;
  const own = async (): Promise<Lease> => {
    const db = await open(limits);
    return { db, release: () => db.close() };
  };
  // Another upload on this thread has the kept one: this one gets an instance of its own.
  if (!tempDirectory || kept?.busy) return own();
  let entry = kept;
  if (entry) {
    entry.busy = true;
    clearTimeout(entry.timer);
    if (entry.key !== JSON.stringify(rest) || !(await spillTo(entry.db, tempDirectory))) {
      closeKept(entry);
      entry = undefined;
    }
  }
  if (!entry) {
    entry = { db: await open(limits), key: JSON.stringify(rest), busy: true };
    // Two first uploads at once: the one that opened last is kept, the other closes its own on release.
    kept = entry;
  }
  const leased = entry;
  return {
    db: leased.db,
    release() {
      leased.busy = false;
      if (kept !== leased) {
        closeKept(leased);
        return;
      }
      leased.timer = setTimeout(() => closeKept(leased), KEPT_IDLE_MS);
      leased.timer.unref();
    },
  };
}

/** DuckDB instances conversions on this thread have opened so far (tests). */
export function conversionInstancesOpened(): number {
  return instancesOpened;
}

/** Closes the kept instance (tests; a thread shutting down). The next upload opens a new one. */
export function closeKeptConversionDb(): void {
  if (kept && !kept.busy) closeKept(kept);
}

/**
 * The DuckDB a conversion of `columns` columns runs on: the upload's shared instance when there is
 * one, or a private instance for a dataset so wide it needs a memory budget and thread count of its
 * own (see `limitsForWidth`), or when the caller converts a single file without a context.
 */
export async function conversionDb(
  options: DuckDbLimits & { context?: ConversionContext },
  columns: number,
  where: FormatErrorLocation = {},
): Promise<OpenDuckDb> {
  const { context, ...limits } = options;
  const own = limitsForWidth(limits, columns, where);
  if (context && !isWide(columns)) return context.connect();
  return openDuckDb(own);
}
