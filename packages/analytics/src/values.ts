import { quoteIdent } from '@cdp/formats';
import type { StoreColumn } from './dataset-store.ts';
import { QueryError } from './query-error.ts';

/** A JSON cell as the API returns it: dates `YYYY-MM-DD`, datetimes `YYYY-MM-DDTHH:MM:SS(.fff)`, integers as numbers. */
export function jsonCell(type: string, value: unknown): unknown {
  if (value === null || value === undefined) return null;
  if (type === 'integer') return Number(value);
  if (type === 'datetime' && typeof value === 'string') return value.replace(' ', 'T');
  return value;
}

export function columnNamed(columns: StoreColumn[], name: string, param: string): StoreColumn {
  const column =
    columns.find((c) => c.name === name) ?? columns.find((c) => c.name.toLowerCase() === name.toLowerCase());
  if (!column) throw new QueryError(`${param}: there is no column ${name} in this dataset`, param);
  return column;
}

export function ident(column: StoreColumn): string {
  return quoteIdent(column.name);
}

/**
 * A filter or comparison value as DuckDB should bind it for a column of `type`, refused with the
 * column's name when it cannot be one (e.g. "abc" for a number).
 */
export function bindValue(
  column: StoreColumn,
  value: unknown,
  param: string,
): { sql: string; value: string | number | boolean } {
  const fail = (expected: string) =>
    new QueryError(`${param}: ${JSON.stringify(value)} is not ${expected}, which column ${column.name} holds`, param);
  switch (column.type) {
    case 'number':
    case 'integer': {
      const n =
        typeof value === 'number'
          ? value
          : typeof value === 'string' && value.trim() !== ''
            ? Number(value)
            : Number.NaN;
      if (!Number.isFinite(n)) throw fail('a number');
      return { sql: '?', value: n };
    }
    case 'boolean': {
      if (typeof value === 'boolean') return { sql: '?', value };
      if (value === 'true' || value === 'false') return { sql: '?', value: value === 'true' };
      throw fail('true or false');
    }
    case 'date':
    case 'datetime':
    case 'time': {
      const text = String(value);
      const pattern =
        column.type === 'date'
          ? /^\d{4}-\d{2}-\d{2}$/
          : column.type === 'time'
            ? /^\d{2}:\d{2}(:\d{2}(\.\d+)?)?$/
            : /^\d{4}-\d{2}-\d{2}([T ]\d{2}:\d{2}(:\d{2}(\.\d+)?)?)?$/;
      if (!pattern.test(text))
        throw fail(
          column.type === 'time'
            ? 'a time (HH:MM:SS)'
            : `a ${column.type} (YYYY-MM-DD${column.type === 'datetime' ? 'THH:MM:SS' : ''})`,
        );
      const sqlType = column.type === 'date' ? 'DATE' : column.type === 'time' ? 'TIME' : 'TIMESTAMP';
      return { sql: `CAST(? AS ${sqlType})`, value: text.replace('T', ' ') };
    }
    default:
      if (typeof value === 'object' && value !== null) throw fail('a text value');
      return { sql: '?', value: String(value) };
  }
}
