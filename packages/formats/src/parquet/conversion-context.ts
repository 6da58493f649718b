import type { FormatErrorLocation } from '../errors.ts';
import { type DuckDbLimits, isWide, limitsForWidth, type OpenDuckDb, openDuckDb } from './duckdb.ts';

/**
 * One DuckDB for all the datasets of an upload that need one (CSV and Parquet members; SAS, XPT,
 * Excel, ODM and Dataset-JSON are written by our own Parquet writer and need none). Opening an
 * instance, and with it its memory budget and thread pool, for each of the 30 to 60 members of an
 * SDTM transfer cost more than converting most of them; members now share one instance, opened on
 * first use, each on a connection of its own (connections of one instance run side by side and
 * share its memory limit, so members converted at once stay within DUCKDB_MEMORY_LIMIT together).
 */
export class ConversionContext {
  private db: Promise<OpenDuckDb> | undefined;

  private constructor(readonly limits: DuckDbLimits) {}

  static async open(limits: DuckDbLimits = {}): Promise<ConversionContext> {
    return new ConversionContext(limits);
  }

  /** A connection of its own for one dataset; `close` closes the connection, not the instance. */
  async connect(): Promise<OpenDuckDb> {
    this.db ??= openDuckDb(this.limits);
    const db = await this.db;
    const connection = await db.instance.connect();
    return { instance: db.instance, connection, close: () => connection.closeSync() };
  }

  /** Closes the instance, if one was opened (after every member's connection closed). */
  async close(): Promise<void> {
    const db = this.db;
    this.db = undefined;
    if (db) (await db).close();
  }
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
