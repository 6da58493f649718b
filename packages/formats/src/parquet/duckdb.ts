import { type DuckDBConnection, DuckDBInstance } from '@duckdb/node-api';

export interface DuckDbLimits {
  /** DuckDB's memory limit, e.g. `512MB`. Beyond it, work spills to `tempDirectory`. */
  memoryLimit?: string;
  tempDirectory?: string;
  threads?: number;
}

/**
 * A private DuckDB for one conversion or query. Extensions never download (the machine may have no
 * internet, and a download at run time is not something a validated system does), and a memory
 * limit with a spill folder keeps a 1 GB upload from taking the server's memory.
 */
export interface OpenDuckDb {
  instance: DuckDBInstance;
  connection: DuckDBConnection;
  close: () => void;
}

export async function openDuckDb(limits: DuckDbLimits = {}): Promise<OpenDuckDb> {
  const options: Record<string, string> = {
    autoinstall_known_extensions: 'false',
    autoload_known_extensions: 'false',
    memory_limit: limits.memoryLimit ?? '512MB',
  };
  if (limits.tempDirectory) options.temp_directory = limits.tempDirectory;
  if (limits.threads) options.threads = String(limits.threads);
  const instance = await DuckDBInstance.create(':memory:', options);
  const connection = await instance.connect();
  return {
    instance,
    connection,
    close: () => {
      connection.closeSync();
      instance.closeSync();
    },
  };
}

/** `"name"` with embedded quotes doubled: identifiers never reach SQL unquoted. */
export function quoteIdent(name: string): string {
  return `"${name.replaceAll('"', '""')}"`;
}

/** `'text'` with embedded quotes doubled, for the few places DuckDB takes no parameter (COPY targets). */
export function quoteLiteral(value: string): string {
  return `'${value.replaceAll("'", "''")}'`;
}
