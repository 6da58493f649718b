import { lstat, readdir, readFile, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { duckMessage, quoteIdent, quoteLiteral } from '@cdp/formats';
import type { DuckDBConnection } from '@duckdb/node-api';
import { z } from 'zod';
import { PipelineDefinitionError, type PipelineInput, type PipelineOutputFile } from '../executor.ts';

/**
 * The sandbox's data exchange. pandas 1.5.3 as Debian ships it has no pyarrow, so it can neither read
 * nor write Parquet; DuckDB (outside the sandbox) turns each input into JSON lines plus a schema file
 * that `cdp.py` reads into typed columns, and turns what the script saved back into Parquet. JSON keeps
 * values exactly: DuckDB and Python both write a double as its shortest round-trip text, integers as
 * integers, dates as days and datetimes as microseconds since 1970-01-01, times as microseconds since
 * midnight, and a missing value as null.
 */

export const EXCHANGE_TYPES = ['integer', 'number', 'string', 'boolean', 'date', 'datetime', 'time'] as const;
export type ExchangeType = (typeof EXCHANGE_TYPES)[number];

const INTEGER_TYPES = new Set([
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
]);

/** How a stored column crosses into the sandbox: its exchange type and the SQL that encodes it. */
function encodeColumn(name: string, duckType: string): { type: ExchangeType; sql: string } | null {
  const t = duckType.toUpperCase();
  const column = quoteIdent(name);
  if (INTEGER_TYPES.has(t)) return { type: 'integer', sql: column };
  if (t === 'DOUBLE' || t === 'FLOAT' || t.startsWith('DECIMAL'))
    return { type: 'number', sql: `CAST(${column} AS DOUBLE)` };
  if (t === 'VARCHAR' || t === 'UUID' || t.startsWith('ENUM'))
    return { type: 'string', sql: `CAST(${column} AS VARCHAR)` };
  if (t === 'BOOLEAN') return { type: 'boolean', sql: column };
  if (t === 'DATE') return { type: 'date', sql: `datediff('day', DATE '1970-01-01', ${column})` };
  if (t.startsWith('TIMESTAMP')) return { type: 'datetime', sql: `epoch_us(CAST(${column} AS TIMESTAMP))` };
  if (t === 'TIME') return { type: 'time', sql: `datediff('microsecond', TIME '00:00:00', ${column})` };
  return null;
}

const DUCK_TYPES: Record<ExchangeType, string> = {
  integer: 'BIGINT',
  number: 'DOUBLE',
  string: 'VARCHAR',
  boolean: 'BOOLEAN',
  date: 'INTEGER',
  datetime: 'BIGINT',
  time: 'BIGINT',
};

/** SQL that decodes a column read from the script's JSON lines. */
function decodeColumn(name: string, type: ExchangeType): string {
  const column = quoteIdent(name);
  if (type === 'date') return `CAST(DATE '1970-01-01' + ${column} AS DATE) AS ${column}`;
  if (type === 'datetime') return `make_timestamp(${column}) AS ${column}`;
  if (type === 'time') return `CAST(TIME '00:00:00' + to_microseconds(${column}) AS TIME) AS ${column}`;
  return column;
}

const SavedSchema = z.object({
  rows: z.number().int().nonnegative(),
  columns: z.array(z.object({ name: z.string().min(1), type: z.enum(EXCHANGE_TYPES) })),
});

/** Writes `input` as `<dir>/<name>.jsonl` and `<dir>/<name>.schema.json` for `read_dataset`. */
export async function writeSandboxInput(
  connection: DuckDBConnection,
  input: PipelineInput,
  dir: string,
): Promise<void> {
  const source = `read_parquet(${quoteLiteral(input.path)})`;
  const described = (await connection.runAndReadAll(`DESCRIBE SELECT * FROM ${source}`)).getRowObjectsJson();
  const columns: { name: string; type: ExchangeType }[] = [];
  const select: string[] = [];
  for (const row of described) {
    const name = String(row.column_name);
    const encoded = encodeColumn(name, String(row.column_type));
    if (!encoded) {
      throw new PipelineDefinitionError([
        {
          path: `inputs.${input.name}`,
          message: `column "${name}" is of type ${String(row.column_type)}, which Python pipelines cannot read; convert it in a SQL or DSL pipeline first`,
        },
      ]);
    }
    columns.push({ name, type: encoded.type });
    select.push(`${encoded.sql} AS ${quoteIdent(name)}`);
  }
  const file = path.join(dir, `${input.name}.jsonl`);
  await connection.run(
    `COPY (SELECT ${select.join(', ') || '1 AS _'} FROM ${source}) TO ${quoteLiteral(file)} (FORMAT json)`,
  );
  await writeFile(path.join(dir, `${input.name}.schema.json`), JSON.stringify({ columns }));
}

const SAVED_NAME = /^([A-Za-z_][A-Za-z0-9_]{0,63})\.schema\.json$/;

/**
 * Names of the datasets the script saved in `dir`: those with a schema file (`save_dataset` writes it
 * last). The folder is the script's, so nothing in it is trusted: a dataset's files must be regular
 * files (a symbolic link would make this side, outside the sandbox, read a host file) and its name
 * a dataset name; other files there are ignored.
 */
export async function savedNames(dir: string): Promise<string[]> {
  const names: string[] = [];
  for (const file of await readdir(dir)) {
    const name = SAVED_NAME.exec(file)?.[1];
    if (!name) continue;
    for (const part of [`${name}.schema.json`, `${name}.jsonl`]) {
      const info = await lstat(path.join(dir, part)).catch(() => null);
      if (info && !info.isFile()) {
        throw new PipelineDefinitionError([
          { path: `outputs.${name}`, message: `${part} is not a regular file; save outputs with save_dataset() only` },
        ]);
      }
    }
    names.push(name);
  }
  return names.sort();
}

/** Converts the saved dataset `name` in `dir` into `target` (Parquet), checking its row count. */
export async function readSandboxOutput(
  connection: DuckDBConnection,
  dir: string,
  name: string,
  target: string,
): Promise<PipelineOutputFile> {
  const where = { path: `outputs.${name}` };
  const parsed = SavedSchema.safeParse(
    JSON.parse(await readFile(path.join(dir, `${name}.schema.json`), 'utf8').catch(() => 'null')),
  );
  if (!parsed.success)
    throw new PipelineDefinitionError([
      { ...where, message: 'the saved schema is not readable; save it with save_dataset()' },
    ]);
  const schema = parsed.data;
  if (schema.columns.length === 0) {
    throw new PipelineDefinitionError([{ ...where, message: 'the saved DataFrame has no columns' }]);
  }
  const types = schema.columns.map((c) => `${quoteLiteral(c.name)}: ${quoteLiteral(DUCK_TYPES[c.type])}`).join(', ');
  const source =
    schema.rows === 0
      ? `(SELECT ${schema.columns.map((c) => `CAST(NULL AS ${DUCK_TYPES[c.type]}) AS ${quoteIdent(c.name)}`).join(', ')} WHERE false)`
      : `read_json(${quoteLiteral(path.join(dir, `${name}.jsonl`))}, format = 'newline_delimited', ` +
        `columns = {${types}})`;
  try {
    await connection.run(
      `COPY (SELECT ${schema.columns.map((c) => decodeColumn(c.name, c.type)).join(', ')} FROM ${source}) ` +
        `TO ${quoteLiteral(target)} (FORMAT parquet, COMPRESSION zstd)`,
    );
  } catch (error) {
    throw new PipelineDefinitionError([
      { ...where, message: `the saved data could not be read: ${duckMessage(error)}` },
    ]);
  }
  const count = await connection.runAndReadAll(`SELECT count(*) FROM read_parquet(${quoteLiteral(target)})`);
  const rows = Number(count.getRows()[0]?.[0] ?? 0);
  if (rows !== schema.rows) {
    throw new PipelineDefinitionError([
      {
        ...where,
        message: `${rows} rows were read back of the ${schema.rows} saved; save it again with save_dataset()`,
      },
    ]);
  }
  return {
    name,
    path: target,
    rows,
    columns: schema.columns.map((c) => ({ name: c.name, type: c.type })),
  };
}
