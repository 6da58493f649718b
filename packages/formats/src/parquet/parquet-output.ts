import { createHash } from 'node:crypto';
import { createReadStream } from 'node:fs';
import { stat } from 'node:fs/promises';
import type { DuckDBConnection } from '@duckdb/node-api';
import { FormatError } from '../errors.ts';
import type { ColumnInfo, DatasetInfo } from '../types.ts';
import { quoteLiteral } from './duckdb.ts';

/** What a conversion produced, as the version manifest records it. */
export interface ParquetResult {
  name: string;
  label?: string;
  rows: number;
  columns: ColumnInfo[];
  file: string;
  bytes: number;
  sha256: string;
}

/** The key under which our schema (labels, SAS formats and lengths) rides in Parquet metadata. */
export const SCHEMA_METADATA_KEY = 'cdp.schema';

/** What we keep beside the data so labels and SAS formats survive the trip through Parquet. */
export function schemaMetadata(info: DatasetInfo): Record<string, unknown> {
  return {
    name: info.name,
    label: info.label ?? null,
    encoding: info.encoding ?? null,
    metadata: info.metadata ?? {},
    columns: info.columns.map((c) => ({
      name: c.name,
      label: c.label ?? null,
      type: c.type,
      length: c.length ?? null,
      format: c.format ?? null,
      informat: c.informat ?? null,
    })),
  };
}

/** Runs `query` into `outFile` with our metadata and reports what was written. */
export async function copyQuery(
  connection: DuckDBConnection,
  query: string,
  info: DatasetInfo,
  outFile: string,
  fileName?: string,
): Promise<ParquetResult> {
  const metadata = quoteLiteral(JSON.stringify(schemaMetadata(info)));
  try {
    await connection.run(
      `COPY (${query}) TO ${quoteLiteral(outFile)} ` +
        `(FORMAT parquet, COMPRESSION zstd, ROW_GROUP_SIZE 122880, KV_METADATA { ${quoteLiteral(SCHEMA_METADATA_KEY)}: ${metadata} })`,
    );
  } catch (error) {
    throw new FormatError(duckMessage(error), { file: fileName, dataset: info.name });
  }
  const count = await connection.runAndReadAll(`SELECT count(*) FROM read_parquet(${quoteLiteral(outFile)})`);
  const rows = Number(count.getRowsJson()[0]?.[0] ?? 0);
  return {
    name: info.name,
    label: info.label,
    rows,
    columns: info.columns,
    file: outFile,
    ...(await fileDigest(outFile)),
  };
}

/** DuckDB's own words, without its error-class prefix and the hints meant for SQL authors. */
export function duckMessage(error: unknown): string {
  const text = error instanceof Error ? error.message : String(error);
  const plain = engineLimitMessage(text);
  if (plain) return plain;
  return text
    .replace(/^[A-Za-z ]+ Error: /, '')
    .split('\n')
    .map((line) => line.trim())
    .filter(
      (line) =>
        line &&
        !/^(Possible fixes|\* |Parser options|file = |delimiter|quote|escape|header|skip|comment|strict_mode|date_format|timestamp_format|null_padding|sample_size|ignore_errors|all_varchar|new_line|encoding|Possible solutions|See also|Original Line|LINE \d)/i.test(
          line,
        ),
    )
    .join(' ')
    .slice(0, 500);
}

/**
 * DuckDB's resource errors ("failed to pin block of size 256.0 KiB", "failed to allocate data of
 * size 16.0 KiB (244.1 MiB/244.1 MiB used)" and advice about `SET threads`) in words a data manager
 * or an administrator can act on; `undefined` for any other message.
 */
export function engineLimitMessage(text: string): string | undefined {
  if (/Out of Memory|failed to (allocate|pin block)/i.test(text)) {
    return 'needs more memory than a conversion may use; split the file into smaller files, or ask an administrator to raise DUCKDB_MEMORY_LIMIT';
  }
  if (/No space left on device|Could not write to temp/i.test(text)) {
    return 'the server ran out of disk space while converting; ask an administrator to free space, then upload again';
  }
  return undefined;
}

export async function fileDigest(file: string): Promise<{ bytes: number; sha256: string }> {
  const hash = createHash('sha256');
  for await (const chunk of createReadStream(file)) hash.update(chunk as Buffer);
  return { bytes: (await stat(file)).size, sha256: hash.digest('hex') };
}
