import type { DuckDBConnection, DuckDBInstance } from '@duckdb/node-api';
import { FormatError, type FormatErrorLocation } from '../errors.ts';
import { registerPhiFunctions } from './phi-seal.ts';

const DEFAULT_MEMORY_LIMIT = '512MB';

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
    memory_limit: limits.memoryLimit ?? DEFAULT_MEMORY_LIMIT,
  };
  if (limits.tempDirectory) options.temp_directory = limits.tempDirectory;
  if (limits.threads) options.threads = String(limits.threads);
  // Loaded on first use: a conversion thread that writes only SAS and XPT members never needs it,
  // and every module a thread holds is heap its garbage collector marks again at each full
  // collection (issue 17: 3 of a member thread's 25 MB were DuckDB's bindings).
  const { DuckDBInstance } = await import('@duckdb/node-api');
  const instance = await DuckDBInstance.create(':memory:', options);
  const connection = await instance.connect();
  // Sealed PHI values open only through these, with a data key the server registered (phi-seal.ts).
  registerPhiFunctions(connection);
  return {
    instance,
    connection,
    close: () => {
      connection.closeSync();
      instance.closeSync();
    },
  };
}

/**
 * The most columns a dataset may have. DuckDB moves rows in vectors of 2,048 values per column, so
 * a conversion holds a few 32 KiB vectors per column at once, however few the rows: about 100 KiB
 * of DuckDB's memory budget per column (measured: 10,000 columns need 1 GB of budget and 600 MB of
 * real memory). 10,000 is above SAS XPT v5's 9,999 variables and the widest clinical listings we
 * know of; wider files are refused before any work with a message that says what to do.
 */
export const MAX_COLUMNS = 10_000;

/** DuckDB memory budget per column of a wide dataset (see `MAX_COLUMNS`). */
const BYTES_PER_COLUMN = 100 * 1024;
/** Headroom for everything that is not per column. */
const BASE_BYTES = 128 * 1024 ** 2;
/** Datasets wider than this are converted on one DuckDB thread: each thread holds its own vectors. */
const WIDE_COLUMNS = 500;

/** Whether a dataset of `columns` columns needs limits of its own (see `limitsForWidth`). */
export function isWide(columns: number): boolean {
  return columns > WIDE_COLUMNS;
}

/**
 * The limits a conversion of `columns` columns needs: the configured memory limit, raised for a wide
 * dataset to what its vectors take (a 5-row, 3,000-column CSV otherwise fails with DuckDB's
 * "failed to allocate"), on one thread. Throws the user-facing error beyond `MAX_COLUMNS`.
 */
export function limitsForWidth(limits: DuckDbLimits, columns: number, where: FormatErrorLocation = {}): DuckDbLimits {
  if (columns > MAX_COLUMNS) {
    throw new FormatError(
      `the dataset has ${columns.toLocaleString('en-US')} columns; at most ${MAX_COLUMNS.toLocaleString('en-US')} can be loaded. ` +
        'Split it into files of fewer columns (repeat the key columns, e.g. USUBJID, in each) or store it in a long layout (one row per subject, parameter and visit)',
      where,
    );
  }
  if (!isWide(columns)) return limits;
  const needed = BASE_BYTES + columns * BYTES_PER_COLUMN;
  const configured = parseBytes(limits.memoryLimit ?? DEFAULT_MEMORY_LIMIT);
  return { ...limits, threads: 1, memoryLimit: `${Math.ceil(Math.max(needed, configured) / 1024 ** 2)}MB` };
}

const UNITS: Record<string, number> = {
  B: 1,
  KB: 1000,
  KIB: 1024,
  MB: 1000 ** 2,
  MIB: 1024 ** 2,
  GB: 1000 ** 3,
  GIB: 1024 ** 3,
  TB: 1000 ** 4,
  TIB: 1024 ** 4,
};

/** `512MB`, `1GiB`, `2 GB` as bytes (DuckDB's own spellings); unknown text counts as 0. */
export function parseBytes(text: string): number {
  const match = /^\s*(\d+(?:\.\d+)?)\s*([a-z]*)\s*$/i.exec(text);
  if (!match) return 0;
  return Number(match[1]) * (UNITS[(match[2] || 'B').toUpperCase()] ?? 0);
}

/** `"name"` with embedded quotes doubled: identifiers never reach SQL unquoted. */
export function quoteIdent(name: string): string {
  return `"${name.replaceAll('"', '""')}"`;
}

/** `'text'` with embedded quotes doubled, for the few places DuckDB takes no parameter (COPY targets). */
export function quoteLiteral(value: string): string {
  return `'${value.replaceAll("'", "''")}'`;
}
