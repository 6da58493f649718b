import { randomUUID } from 'node:crypto';
import { DOUBLE, type DuckDBConnection, DuckDBDataChunk, type DuckDBType, VARCHAR } from '@duckdb/node-api';
import { FormatError } from '../errors.ts';
import type { DatasetInfo, DatasetReader, ValueType } from '../types.ts';
import { CHUNK_ROWS, ColumnChunkWriter } from './column-chunk.ts';
import { type ConversionContext, conversionDb } from './conversion-context.ts';
import { type DuckDbLimits, quoteIdent } from './duckdb.ts';
import { copyQuery, type ParquetResult } from './parquet-output.ts';

/**
 * Streams a dataset into a Parquet file through DuckDB: rows are appended in column-major chunks to
 * a staging table (which spills to disk past the memory limit), then copied out once with the final
 * types. Column names are kept exactly; labels, formats and lengths travel as key-value metadata.
 * With a `context` (one per upload) the dataset is staged on a connection of the upload's shared
 * DuckDB; without one it gets a private DuckDB.
 */
export async function writeParquet(
  reader: DatasetReader,
  outFile: string,
  options: DuckDbLimits & { fileName?: string; context?: ConversionContext } = {},
): Promise<ParquetResult> {
  const info = reader.info;
  assertUniqueColumns(info, options.fileName);
  const db = await conversionDb(options, info.columns.length, { file: options.fileName, dataset: info.name });
  // A table of its own on the upload's shared DuckDB (dropped below): datasets staged side by side
  // never meet. A TEMP table would do that by itself, but measured a higher peak memory.
  const staging = `staging_${randomUUID().replaceAll('-', '')}`;
  try {
    const rows = await stage(db.connection, staging, reader, options.fileName);
    const select = info.columns.map(
      (c, i) => `${finalExpression(c.type, quoteIdent(`c${i}`))} AS ${quoteIdent(c.name)}`,
    );
    // Insertion order is kept (DuckDB's default): a dataset reads back in the order the file had.
    const result = await copyQuery(
      db.connection,
      `SELECT ${select.join(', ')} FROM ${quoteIdent(staging)}`,
      info,
      outFile,
      options.fileName,
    );
    if (result.rows !== rows) {
      throw new FormatError(`wrote ${result.rows} rows of ${rows}`, { file: options.fileName, dataset: info.name });
    }
    return result;
  } finally {
    await db.connection.run(`DROP TABLE IF EXISTS ${quoteIdent(staging)}`).catch(() => undefined);
    db.close();
  }
}

async function stage(
  connection: DuckDBConnection,
  table: string,
  reader: DatasetReader,
  fileName?: string,
): Promise<number> {
  const { columns } = reader.info;
  const types: DuckDBType[] = columns.map((c) => (c.type === 'string' ? VARCHAR : DOUBLE));
  const ddl = columns.map((c, i) => `${quoteIdent(`c${i}`)} ${c.type === 'string' ? 'VARCHAR' : 'DOUBLE'}`);
  await connection.run(`CREATE TABLE ${quoteIdent(table)} (${ddl.join(', ')})`);
  const appender = await connection.createAppender(table);
  const writer = new ColumnChunkWriter();
  let rows = 0;
  for await (const batch of reader.batches()) {
    if (batch.columns.length !== columns.length) {
      throw new FormatError(`a batch has ${batch.columns.length} columns where the schema has ${columns.length}`, {
        file: fileName,
        dataset: reader.info.name,
        row: rows + 1,
      });
    }
    for (let start = 0; start < batch.length; start += CHUNK_ROWS) {
      const size = Math.min(CHUNK_ROWS, batch.length - start);
      const chunk = DuckDBDataChunk.create(types, size);
      for (let c = 0; c < columns.length; c++) {
        const values = batch.columns[c];
        if (values instanceof Float64Array) writer.setDoubles(chunk, c, values, start, size);
        else if (values) writer.setStrings(chunk, c, values, start, size);
      }
      appender.appendDataChunk(chunk);
    }
    rows += batch.length;
  }
  appender.closeSync();
  return rows;
}

/** The staged DOUBLE/VARCHAR column turned into its final type. */
function finalExpression(type: ValueType, staged: string): string {
  switch (type) {
    case 'string':
    case 'number':
      return staged;
    case 'integer':
      return `CAST(${staged} AS BIGINT)`;
    case 'boolean':
      return `(${staged} <> 0)`;
    case 'date':
      return `(DATE '1970-01-01' + CAST(floor(${staged}) AS INTEGER))`;
    case 'datetime':
      return `make_timestamp(CAST(round(${staged} * 1000) AS BIGINT))`;
    case 'time':
      return `(TIME '00:00:00' + to_microseconds(CAST(round(${staged} * 1000000) AS BIGINT)))`;
  }
}

/**
 * DuckDB (and every SQL user after it) treats `AGE` and `age` as the same column, so a file with
 * both cannot become one table without losing one of them.
 */
function assertUniqueColumns(info: DatasetInfo, fileName?: string): void {
  const seen = new Map<string, string>();
  for (const column of info.columns) {
    const key = column.name.toLowerCase();
    const other = seen.get(key);
    if (other !== undefined) {
      const reason =
        other === column.name
          ? `column ${column.name} appears twice`
          : `columns ${other} and ${column.name} differ only in case; rename one of them`;
      throw new FormatError(reason, { file: fileName, dataset: info.name });
    }
    seen.set(key, column.name);
  }
  if (info.columns.length === 0)
    throw new FormatError('the dataset has no columns', { file: fileName, dataset: info.name });
}
