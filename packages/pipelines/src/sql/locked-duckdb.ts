import { type DuckDBConnection, DuckDBInstance } from '@duckdb/node-api';

export interface LockedDuckDbOptions {
  /** The only files the engine may read or write: the inputs' Parquet files and the outputs to be written. */
  allowedPaths: string[];
  memoryBytes: number;
  threads: number;
}

export interface LockedDuckDb {
  connection: DuckDBConnection;
  close(): void;
}

/**
 * A DuckDB for user-written SQL. External access is switched off (no file, URL, ATTACH, COPY or
 * extension outside `allowedPaths`) and the configuration is locked, so no statement can turn it back
 * on or raise its memory; extensions never install or autoload. The statement checks in
 * `validate-statement.ts` refuse escapes with a clear message; this is the second wall behind them.
 */
export async function openLockedDuckDb(options: LockedDuckDbOptions): Promise<LockedDuckDb> {
  const instance = await DuckDBInstance.create(':memory:', {
    autoinstall_known_extensions: 'false',
    autoload_known_extensions: 'false',
    memory_limit: `${Math.max(64, Math.floor(options.memoryBytes / 1024 ** 2))}MiB`,
    threads: String(options.threads),
    // No spilling: a temp folder would be a place on disk the run writes outside its output folder.
    temp_directory: '',
  });
  const connection = await instance.connect();
  try {
    if (options.allowedPaths.length > 0) {
      const paths = options.allowedPaths.map((p) => `'${p.replaceAll("'", "''")}'`).join(', ');
      await connection.run(`SET allowed_paths = [${paths}]`);
    }
    await connection.run('SET enable_external_access = false');
    await connection.run('SET lock_configuration = true');
  } catch (error) {
    connection.closeSync();
    instance.closeSync();
    throw error;
  }
  return {
    connection,
    close: () => {
      connection.closeSync();
      instance.closeSync();
    },
  };
}
