import type { DuckDBConnection } from '@duckdb/node-api';
import { FormatError } from '../errors.ts';
import type { ColumnInfo, DatasetInfo, DatasetReader, RowBatch, ValueType } from '../types.ts';
import { type ConversionContext, conversionDb } from './conversion-context.ts';
import { type DuckDbLimits, limitsForWidth, openDuckDb, quoteIdent, quoteLiteral } from './duckdb.ts';
import { copyQuery, duckMessage, type ParquetResult, SCHEMA_METADATA_KEY } from './parquet-output.ts';

/** DuckDB column types we store, and the logical type each becomes. */
export function logicalType(duckType: string): ValueType | 'varchar-cast' | null {
  const t = duckType.toUpperCase();
  if (t === 'VARCHAR') return 'string';
  if (t === 'BOOLEAN') return 'boolean';
  if (t === 'DATE') return 'date';
  if (t.startsWith('TIMESTAMP')) return 'datetime';
  if (t === 'TIME' || t === 'TIME_NS') return 'time';
  if (
    [
      'TINYINT',
      'SMALLINT',
      'INTEGER',
      'BIGINT',
      'UTINYINT',
      'USMALLINT',
      'UINTEGER',
      'UBIGINT',
      'HUGEINT',
      'UHUGEINT',
    ].includes(t)
  ) {
    return 'integer';
  }
  if (t === 'DOUBLE' || t === 'FLOAT' || t.startsWith('DECIMAL')) return 'number';
  // Identifiers and codes that happen to have a richer type are still text to a reviewer.
  if (t === 'UUID' || t.startsWith('ENUM')) return 'varchar-cast';
  return null;
}

interface DescribedColumn {
  name: string;
  duckType: string;
}

export async function describeQuery(connection: DuckDBConnection, from: string): Promise<DescribedColumn[]> {
  const result = await connection.runAndReadAll(
    `SELECT column_name, column_type FROM (DESCRIBE SELECT * FROM ${from})`,
  );
  return result.getRowsJson().map((row) => ({ name: String(row[0]), duckType: String(row[1]) }));
}

/** The schema of a Parquet file we wrote (labels and formats from its metadata) or anyone else wrote. */
export async function readParquetSchema(file: string, fileName?: string): Promise<DatasetInfo> {
  const db = await openDuckDb();
  try {
    return await schemaOf(db.connection, file, fileName);
  } finally {
    db.close();
  }
}

/** `readParquetSchema` on a DuckDB connection the caller holds. */
export async function schemaOf(connection: DuckDBConnection, file: string, fileName?: string): Promise<DatasetInfo> {
  const source = `read_parquet(${quoteLiteral(file)})`;
  let described: DescribedColumn[];
  try {
    described = await describeQuery(connection, source);
  } catch (error) {
    throw new FormatError(`not a readable Parquet file (${duckMessage(error)})`, { file: fileName });
  }
  const stored = await storedSchema(connection, file);
  const byName = new Map(stored?.columns.map((c) => [c.name, c]));
  const columns: ColumnInfo[] = described.map(({ name, duckType }) => {
    const type = logicalType(duckType);
    if (type === null) {
      throw new FormatError(`type ${duckType} is not supported (use text, numbers, booleans, dates or times)`, {
        file: fileName,
        column: name,
      });
    }
    const known = byName.get(name);
    const column: ColumnInfo = { name, type: type === 'varchar-cast' ? 'string' : type };
    if (known?.label) column.label = known.label;
    if (known?.length) column.length = known.length;
    if (known?.format) column.format = known.format;
    if (known?.informat) column.informat = known.informat;
    return column;
  });
  const name = stored?.name ?? (fileName ?? file).replace(/^.*[\\/]/, '').replace(/\.parquet$/i, '');
  const info: DatasetInfo = { name, columns };
  if (stored?.label) info.label = stored.label;
  return info;
}

interface StoredSchema {
  name?: string;
  label?: string | null;
  columns: {
    name: string;
    label?: string | null;
    length?: number | null;
    format?: string | null;
    informat?: string | null;
  }[];
}

async function storedSchema(connection: DuckDBConnection, file: string): Promise<StoredSchema | null> {
  const result = await connection.runAndReadAll(
    `SELECT decode(value) FROM parquet_kv_metadata(${quoteLiteral(file)}) WHERE decode(key) = ${quoteLiteral(SCHEMA_METADATA_KEY)}`,
  );
  const raw = result.getRowsJson()[0]?.[0];
  if (typeof raw !== 'string') return null;
  try {
    const parsed = JSON.parse(raw) as StoredSchema;
    return Array.isArray(parsed.columns) ? parsed : null;
  } catch {
    return null;
  }
}

/**
 * An uploaded Parquet file, checked (every column of a type we can show) and rewritten so it carries
 * our metadata and compression like every other dataset.
 */
export async function convertParquet(
  sourceFile: string,
  outFile: string,
  options: DuckDbLimits & { fileName?: string; name?: string; context?: ConversionContext } = {},
): Promise<ParquetResult> {
  const schema = await readParquetSchema(sourceFile, options.fileName);
  const db = await conversionDb(options, schema.columns.length, { file: options.fileName });
  try {
    const info = await schemaOf(db.connection, sourceFile, options.fileName);
    if (options.name) info.name = options.name;
    const described = await describeQuery(db.connection, `read_parquet(${quoteLiteral(sourceFile)})`);
    const select = described
      .map(({ name, duckType }) => {
        const type = logicalType(duckType);
        const id = quoteIdent(name);
        if (type === 'varchar-cast') return `CAST(${id} AS VARCHAR) AS ${id}`;
        if (type === 'datetime' && duckType.toUpperCase() !== 'TIMESTAMP') return `CAST(${id} AS TIMESTAMP) AS ${id}`;
        if (type === 'time' && duckType.toUpperCase() !== 'TIME') return `CAST(${id} AS TIME) AS ${id}`;
        return id;
      })
      .join(', ');
    return await copyQuery(
      db.connection,
      `SELECT ${select} FROM read_parquet(${quoteLiteral(sourceFile)})`,
      info,
      outFile,
      options.fileName,
    );
  } finally {
    db.close();
  }
}

/** A stored column as a DOUBLE in this package's units (see `ColumnValues`), or as text. */
function asReaderUnits(column: ColumnInfo): string {
  const id = quoteIdent(column.name);
  switch (column.type) {
    case 'string':
      return `CAST(${id} AS VARCHAR)`;
    case 'date':
      return `CAST(${id} - DATE '1970-01-01' AS DOUBLE)`;
    case 'datetime':
      return `CAST(epoch_ms(CAST(${id} AS TIMESTAMP)) AS DOUBLE)`;
    case 'time':
      return `CAST(epoch(CAST(${id} AS TIME)) AS DOUBLE)`;
    default:
      return `CAST(${id} AS DOUBLE)`;
  }
}

/**
 * A Parquet file as a `DatasetReader`, streamed chunk by chunk: how stored datasets reach the
 * writers (XPT for a submission, CSV) without being loaded whole.
 */
export async function readParquet(
  file: string,
  options: DuckDbLimits & { fileName?: string } = {},
): Promise<DatasetReader> {
  const info = await readParquetSchema(file, options.fileName);
  return {
    info,
    async *batches(): AsyncGenerator<RowBatch> {
      const db = await openDuckDb(limitsForWidth(options, info.columns.length, { file: options.fileName }));
      try {
        const select = info.columns.map(asReaderUnits).join(', ');
        const result = await db.connection.stream(`SELECT ${select} FROM read_parquet(${quoteLiteral(file)})`);
        for (let chunk = await result.fetchChunk(); chunk && chunk.rowCount > 0; chunk = await result.fetchChunk()) {
          const raw = chunk.getColumns();
          const columns = info.columns.map((column, i) => {
            const values = raw[i] ?? [];
            if (column.type === 'string') return values.map((v) => (v === null ? null : String(v)));
            return Float64Array.from(values, (v) => (v === null ? Number.NaN : Number(v)));
          });
          yield { length: chunk.rowCount, columns };
        }
      } finally {
        db.close();
      }
    },
  };
}
