import type { DuckDBConnection } from '@duckdb/node-api';
import { FormatError } from '../errors.ts';
import type { ColumnInfo, DatasetInfo, ValueType } from '../types.ts';
import { type ConversionContext, conversionDb } from './conversion-context.ts';
import { countRecordFields, readCsvHeader } from './csv-header.ts';
import { type DuckDbLimits, quoteIdent, quoteLiteral } from './duckdb.ts';
import { copyQuery, duckMessage, engineLimitMessage, type ParquetResult } from './parquet-output.ts';
import { describeQuery, logicalType } from './read-parquet.ts';

/** What a user may override when DuckDB's sniffer guesses wrong. */
export interface CsvOptions {
  delimiter?: string;
  quote?: string;
  header?: boolean;
  /** DuckDB reads these without extensions; anything else must be converted before upload. */
  encoding?: 'utf-8' | 'latin-1' | 'utf-16';
  /** Force a column's type, e.g. `{ SUBJID: 'string' }` to keep leading zeros. */
  columnTypes?: Record<string, ValueType>;
}

const DUCK_TYPES: Record<ValueType, string> = {
  string: 'VARCHAR',
  number: 'DOUBLE',
  integer: 'BIGINT',
  boolean: 'BOOLEAN',
  date: 'DATE',
  datetime: 'TIMESTAMP',
  time: 'TIME',
};

interface Dialect {
  encoding: string;
  delimiter: string;
  quote: string;
  header: boolean;
  /** Column names from the header line (or column1..n without one). */
  names: string[];
}

/**
 * The dialect is pinned rather than left to DuckDB's sniffer: left alone, it decides that a file
 * whose third line has an extra field "has no header and starts at line 3" and silently drops the
 * first two lines. Pinned (RFC 4180 quoting, nothing skipped, strict), that file fails with the line
 * number. `typed` lets DuckDB infer column types over the whole file; untyped reads every column as
 * text, which is how each line is first checked.
 */
function readCsvCall(
  file: string,
  dialect: Dialect,
  typed: boolean,
  columnTypes: Record<string, ValueType> = {},
): string {
  const args = [
    quoteLiteral(file),
    'skip = 0',
    'strict_mode = true',
    `encoding = ${quoteLiteral(dialect.encoding)}`,
    `delim = ${quoteLiteral(dialect.delimiter)}`,
    `quote = ${quoteLiteral(dialect.quote)}`,
    `escape = ${quoteLiteral(dialect.quote)}`,
    `header = ${dialect.header}`,
  ];
  if (!typed) {
    const columns = dialect.names.map((name) => `${quoteLiteral(name)}: 'VARCHAR'`).join(', ');
    return `read_csv(${[...args, 'auto_detect = false', `columns = { ${columns} }`].join(', ')})`;
  }
  // Our names (deduplicated, or column1..n without a header), so type overrides name what the user sees.
  args.push('sample_size = -1', `names = [${dialect.names.map(quoteLiteral).join(', ')}]`);
  const types = Object.entries(columnTypes);
  if (types.length > 0) {
    args.push(
      `types = { ${types.map(([name, type]) => `${quoteLiteral(name)}: ${quoteLiteral(DUCK_TYPES[type])}`).join(', ')} }`,
    );
  }
  return `read_csv(${args.join(', ')})`;
}

async function dialectOf(
  file: string,
  options: CsvOptions & { fileName?: string },
  encoding: string,
): Promise<Dialect> {
  const quote = options.quote ?? '"';
  const first = await readCsvHeader(file, { delimiter: options.delimiter, quote, encoding });
  if (first.empty) throw new FormatError('is empty', { file: options.fileName });
  // Without a header row the user has said so: column1..n are the names they asked for.
  if (options.header === false) {
    const names = first.fields.map((_, i) => `column${i + 1}`);
    return { encoding, delimiter: first.delimiter, quote, header: false, names };
  }
  checkHeader(first.fields, options.header === true, options.fileName);
  return { encoding, delimiter: first.delimiter, quote, header: true, names: uniqueNames(first.fields) };
}

/** A header cell that reads as a value (a number or an ISO 8601 date), not as a column name. */
const VALUE_LIKE = /^[-+]?(\d+([.,]\d*)?|[.,]\d+)([eE][-+]?\d+)?$|^\d{4}-\d{2}-\d{2}([T ][\d:.]+)?$/;

/**
 * The first line must name every column: no reader invents a name (`column3`) for a column the
 * file did not name. A first line that reads like data (a number or a date where a name should be)
 * is refused unless the user said the file has a header row (`csvHeader=true`) or has none
 * (`csvHeader=false`): guessing either way loses a row or turns a row into names.
 */
function checkHeader(fields: string[], confirmed: boolean, fileName?: string): void {
  const where = { file: fileName, row: 1 };
  if (fields.every((field) => field.trim() === '')) {
    throw new FormatError(
      'the first line is blank; the column names must be on the first line (or upload with "no header row", csvHeader=false)',
      where,
    );
  }
  const blank = fields.findIndex((field) => field.trim() === '');
  if (blank >= 0) {
    const rowNames =
      blank === 0
        ? " (a row-number column, as R's write.csv and pandas' to_csv write by default? Export with row.names = FALSE or index=False)"
        : '';
    throw new FormatError(
      `column ${blank + 1} has no name in the header row (the first line)${rowNames}; name every column in the file, or upload with "no header row" (csvHeader=false) if the first line is data`,
      where,
    );
  }
  if (confirmed) return;
  const value = fields.findIndex((field) => VALUE_LIKE.test(field.trim()));
  if (value >= 0) {
    throw new FormatError(
      `the first line looks like data, not column names (column ${value + 1} is "${fields[value]?.trim()}"). ` +
        'If the file has no header row, untick "The first line holds the column names" (csvHeader=false); if these are the names, upload with csvHeader=true',
      where,
    );
  }
}

/** A repeated name gets `_2`, `_3` (DuckDB would do the same, less readably). */
function uniqueNames(fields: string[]): string[] {
  const seen = new Set<string>();
  return fields.map((raw) => {
    const base = raw.trim();
    let name = base;
    for (let n = 2; seen.has(name.toLowerCase()); n++) name = `${base}_${n}`;
    seen.add(name.toLowerCase());
    return name;
  });
}

/**
 * A CSV file through DuckDB's reader: it sniffs delimiter, quoting, header and types over the whole
 * file (a late text value in a "numeric" column must not fail the upload halfway). Files that are
 * not valid UTF-8 are read again as Latin-1, which is what SAS and Excel on Windows write.
 */
export async function convertCsv(
  sourceFile: string,
  outFile: string,
  options: DuckDbLimits & CsvOptions & { fileName?: string; name: string; context?: ConversionContext },
): Promise<ParquetResult> {
  const head = await readCsvHeader(sourceFile, {
    delimiter: options.delimiter,
    quote: options.quote ?? '"',
    encoding: options.encoding ?? 'utf-8',
  });
  const db = await conversionDb(options, head.fields.length, { file: options.fileName });
  try {
    const dialect = await checkedDialect(db.connection, sourceFile, options);
    // Every line has been checked; type inference can no longer lose or misplace a row.
    let described: Awaited<ReturnType<typeof describeQuery>>;
    let typed = true;
    const overrides = Object.keys(options.columnTypes ?? {});
    const unknown = overrides.filter((name) => !dialect.names.includes(name));
    if (unknown.length > 0) {
      throw new FormatError(
        `a type is given for ${unknown.join(', ')}, which this file does not have (columns: ${dialect.names.join(', ')})`,
        {
          file: options.fileName,
        },
      );
    }
    try {
      described = await describeQuery(db.connection, readCsvCall(sourceFile, dialect, true, options.columnTypes));
      if (described.length !== dialect.names.length) throw new Error('column count changed');
    } catch (error) {
      // A type the user asked for must hold; without one, text is a safe answer to a failed guess.
      if (overrides.length > 0) throw csvError(error, options);
      typed = false;
      described = dialect.names.map((name) => ({ name, duckType: 'VARCHAR' }));
    }
    const columns: ColumnInfo[] = described.map(({ name, duckType }, i) => {
      const type = logicalType(duckType);
      if (type === null)
        throw new FormatError(`type ${duckType} is not supported`, { file: options.fileName, column: name });
      return { name: dialect.names[i] ?? name, type: type === 'varchar-cast' ? 'string' : type };
    });
    const info: DatasetInfo = { name: options.name, columns, encoding: dialect.encoding };
    const select = described
      .map(({ name, duckType }, i) => {
        const target = quoteIdent(dialect.names[i] ?? name);
        return logicalType(duckType) === 'varchar-cast'
          ? `CAST(${quoteIdent(name)} AS VARCHAR) AS ${target}`
          : `${quoteIdent(name)} AS ${target}`;
      })
      .join(', ');
    const source = readCsvCall(sourceFile, dialect, typed, options.columnTypes);
    try {
      return await copyQuery(db.connection, `SELECT ${select} FROM ${source}`, info, outFile);
    } catch (error) {
      throw csvError(error, options);
    }
  } finally {
    db.close();
  }
}

/**
 * Reads every line as text with the pinned dialect: a ragged line or an unterminated quote fails
 * here with its line number. A file that is not valid UTF-8 is tried again as Latin-1 (what SAS and
 * Excel on Windows write) unless the user named the encoding.
 */
async function checkedDialect(
  connection: DuckDBConnection,
  file: string,
  options: CsvOptions & { fileName?: string },
): Promise<Dialect> {
  const check = async (encoding: string) => {
    const dialect = await dialectOf(file, options, encoding);
    try {
      await connection.run(`SELECT count(*) FROM ${readCsvCall(file, dialect, false)}`);
    } catch (error) {
      throw await withFieldCount(error, file, dialect);
    }
    return dialect;
  };
  try {
    return await check(options.encoding ?? 'utf-8');
  } catch (error) {
    if (options.encoding || !/unicode|utf-?8/i.test(String(error))) throw csvError(error, options);
    try {
      return await check('latin-1');
    } catch (again) {
      throw csvError(again, options);
    }
  }
}

/**
 * DuckDB stops at the first field too many: "Expected Number of Columns: 6 Found: 7" for a line of
 * 8 fields. The line is counted here so the message tells the truth.
 */
async function withFieldCount(error: unknown, file: string, dialect: Dialect): Promise<unknown> {
  const text = error instanceof Error ? error.message : String(error);
  const match = /Expected Number of Columns: (\d+) Found: (\d+)/.exec(text);
  const line = /Line: (\d+)/.exec(text)?.[1];
  if (!match || !line) return error;
  const found = await countRecordFields(file, Number(line), dialect);
  if (found === undefined || found === Number(match[1])) return error;
  return new Error(text.replace(match[0], `Expected Number of Columns: ${match[1]} Found: ${found}`));
}

/**
 * DuckDB's CSV errors carry the line and the reason between an "Original Line" echo and advice
 * meant for SQL authors; the user gets the line as the row and the reason in plain words.
 */
export function csvError(error: unknown, options: { fileName?: string }): FormatError {
  if (error instanceof FormatError) return error.location.file ? error : error.withFile(options.fileName ?? '');
  const text = error instanceof Error ? error.message : String(error);
  const limit = engineLimitMessage(text);
  if (limit) return new FormatError(limit, { file: options.fileName });
  const line = /Line: (\d+)/.exec(text)?.[1];
  const reason = text
    .split('\n')
    .slice(
      0,
      Math.max(
        1,
        text.split('\n').findIndex((l) => l.startsWith('Possible fixes')),
      ),
    )
    .map((l) => l.trim())
    .filter((l) => l && !l.startsWith('Original Line') && !/CSV Error on Line/.test(l))
    .join('; ')
    .replace(/^[A-Za-z ]+ Error: /, '')
    .replace(/Expected Number of Columns: (\d+) Found: (\d+)/, 'expected $1 fields, found $2');
  return new FormatError(reason || duckMessage(error), {
    file: options.fileName,
    ...(line ? { row: Number(line) } : {}),
  });
}
