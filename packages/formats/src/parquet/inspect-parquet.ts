import type { DuckDBConnection } from '@duckdb/node-api';
import type { DatasetInfo } from '../types.ts';
import { type OpenDuckDb, openDuckDb, quoteLiteral } from './duckdb.ts';
import { schemaOf } from './read-parquet.ts';

/**
 * One DuckDB kept for the life of the process to read Parquet files' schemas and row counts (a
 * pipeline run's outputs, checked before they become a version). Opening an instance cost 20–70 ms
 * on the shared 2-core machine, and the checks opened two per output: most of a small run's output
 * version. Reading a footer and counting rows needs one thread and little memory; each call has a
 * connection of its own, so checks run side by side and share nothing but the instance.
 */
let kept: Promise<OpenDuckDb> | undefined;

async function connect(): Promise<{ connection: DuckDBConnection; from: Promise<OpenDuckDb> }> {
  kept ??= openDuckDb({ threads: 1, memoryLimit: '256MB' });
  const from = kept;
  try {
    return { connection: await (await from).instance.connect(), from };
  } catch (error) {
    discard(from);
    throw error;
  }
}

function discard(from: Promise<OpenDuckDb>): void {
  if (kept !== from) return;
  kept = undefined;
  from.then(
    (db) => db.close(),
    () => undefined,
  );
}

/**
 * The schema (as `readParquetSchema` reads it: our labels and formats from the metadata) and the
 * row count of a Parquet file. A file DuckDB cannot read is a `FormatError` naming `fileName`; an
 * instance a fatal DuckDB error invalidated is dropped, so the next call opens a new one.
 */
export async function inspectParquetFile(file: string, fileName?: string): Promise<DatasetInfo & { rows: number }> {
  const { connection, from } = await connect();
  try {
    const schema = await schemaOf(connection, file, fileName);
    const counted = await connection.runAndReadAll(`SELECT count(*) FROM read_parquet(${quoteLiteral(file)})`);
    return { ...schema, rows: Number(counted.getRowsJson()[0]?.[0] ?? 0) };
  } catch (error) {
    await stillServes(from);
    throw error;
  } finally {
    connection.closeSync();
  }
}

async function stillServes(from: Promise<OpenDuckDb>): Promise<void> {
  try {
    const probe = await (await from).instance.connect();
    try {
      await probe.run('SELECT 1');
    } finally {
      probe.closeSync();
    }
  } catch {
    discard(from);
  }
}

/** Closes the kept instance (tests; a process shutting down). The next call opens a new one. */
export function closeParquetInspector(): void {
  if (kept) discard(kept);
}

/** Whether an instance is kept now (tests). */
export function parquetInspectorOpen(): boolean {
  return kept !== undefined;
}
