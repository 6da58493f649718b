import { type DuckDbLimits, type OpenDuckDb, openDuckDb } from '@cdp/formats';
import type { DuckDBConnection } from '@duckdb/node-api';

/** A column as the metadata database describes a stored dataset. */
export interface StoreColumn {
  name: string;
  type: string;
  /** A PHI column the reader may not see in clear: every read replaces it (`datasetSource`). */
  masked?: boolean;
}

/** A stored dataset: its Parquet file and its columns (checked names come from here, never from a request). */
export interface StoredDataset {
  file: string;
  columns: StoreColumn[];
  /**
   * The file's PHI columns sealed at rest (the file holds masked values; `sidecar` holds, row for
   * row, each column's values sealed with `cdp_phi_open`'s keys). Set by the server for a reader who
   * may see them in clear; `sqlType` is the column's DuckDB type in the clear.
   */
  sealed?: { sidecar: string; columns: Array<{ name: string; sqlType: string }> };
  /** The name of the Parquet key (`PRAGMA add_parquet_key`) the file is encrypted with, when it is. */
  encryptionKey?: string;
  /**
   * Called whenever SQL reading the file is built (`datasetSource`): the server notes there which
   * responses read PHI in clear, for the PHI access log.
   */
  onRead?: (columns?: string[]) => void;
  /** Rows in the file, when known: the query engine keeps base tables only for large datasets. */
  rows?: number;
  /**
   * Set by the query engine only: the rows are read from this table of its own DuckDB (a base
   * table, `query/base-tables.ts`, made from the file with masking already applied), not the file.
   */
  table?: string;
  /**
   * Set by the query engine only, with `table`: for a column (name as stored), the table's column
   * holding an integer key of its value, one to one over every dataset of the query
   * (`query/keyed-copies.ts`). Equality and distinct counts of the column read the key instead.
   */
  keys?: Readonly<Record<string, string>>;
}

/**
 * One DuckDB per process for reading stored datasets. Parquet files are immutable, so nothing here
 * needs locking; each call takes its own connection. The memory limit is shared by every query.
 */
export class DatasetStore {
  private db: Promise<OpenDuckDb> | null = null;

  constructor(private readonly limits: DuckDbLimits = {}) {}

  async withConnection<T>(fn: (connection: DuckDBConnection) => Promise<T>): Promise<T> {
    this.db ??= openDuckDb(this.limits);
    const { instance } = await this.db;
    const connection = await instance.connect();
    try {
      return await fn(connection);
    } finally {
      connection.closeSync();
    }
  }

  async close(): Promise<void> {
    if (!this.db) return;
    const db = await this.db;
    this.db = null;
    db.close();
  }
}
