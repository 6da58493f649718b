import type { QueryFilter } from '@cdp/contracts';
import { refuseMasked } from '../protected-source.ts';
import { QueryError } from '../query-error.ts';
import { bindValue } from '../values.ts';
import type { QueryScope, ResolvedColumn } from './query-scope.ts';
import { and, joinSql, param, raw, type Sql, sql } from './sql.ts';

const COMPARISONS = { eq: '=', lt: '<', le: '<=', gt: '>', ge: '>=' } as const;

type Scalar = string | number | boolean;

/** A value bound as the column's type wants it (`CAST(? AS DATE)` for a date column given '2024-01-31'). */
function bound(target: ResolvedColumn, value: unknown, at: string): Sql {
  const { sql: text, value: bindable } = bindValue(target.column, value, at);
  return { text, params: [bindable] };
}

/**
 * Text equality compares controlled terminology the way people read it: `Scrnfail` is `SCRNFAIL`,
 * `Y ` is `Y`. SDTM values come from many writers (sponsor case conventions, SAS blank padding),
 * and a case-sensitive `=` silently counted 0 screen failures on the CDISC pilot. Both sides are
 * trimmed and upper-cased; other types compare as stored.
 */
function termKey(value: string): string {
  return value.trim().toUpperCase();
}

function isText(target: ResolvedColumn): boolean {
  return target.column.type === 'string';
}

/** The column side of an equality: `upper(trim(col))` for text. */
function equalityColumn(target: ResolvedColumn): Sql {
  return isText(target) ? sql`upper(trim(${target.sql}))` : target.sql;
}

/** The value side of an equality, normalised like `equalityColumn`. */
function equalityValue(target: ResolvedColumn, value: Scalar, at: string): Sql {
  return bound(target, isText(target) && typeof value === 'string' ? termKey(value) : value, at);
}

function scalarOf(filter: QueryFilter, at: string): Scalar {
  const { value } = filter;
  if (value === undefined || Array.isArray(value)) throw new QueryError(`${at}: ${filter.op} needs one value`, at);
  return value;
}

/** `in` takes a list; a single value is a list of one. `null` in the list stands for missing values. */
function listOf(filter: QueryFilter, at: string): { values: Scalar[]; withNull: boolean } {
  const { value } = filter;
  if (value === undefined) throw new QueryError(`${at}: ${filter.op} needs a list of values`, at);
  const items = Array.isArray(value) ? value : [value];
  const values = items.filter((v): v is Scalar => v !== null);
  return { values, withNull: values.length < items.length };
}

/**
 * One filter as a condition. Text equality (`eq`, `ne`, `in`, `nin`) ignores case and surrounding
 * blanks (see `termKey`). A missing value matches only `null` (and `in` with null listed); `ne`
 * and `nin` are the exact complements of `eq` and `in`, so "everything but Placebo" keeps the rows
 * with no arm, as a dashboard user excluding one value expects.
 */
export function compileFilter(filter: QueryFilter, scope: QueryScope, at: string): Sql {
  const target = scope.column(filter.column, `${at}.column`);
  refuseMasked(target.column, `${at}.column`, 'filter');
  if (filter.against) return compileAgainst(filter, target, scope, at);
  const column = target.sql;
  const valueAt = `${at}.value`;
  switch (filter.op) {
    case 'eq':
      return sql`${equalityColumn(target)} = ${equalityValue(target, scalarOf(filter, valueAt), valueAt)}`;
    case 'lt':
    case 'le':
    case 'gt':
    case 'ge':
      return sql`${column} ${raw(COMPARISONS[filter.op])} ${bound(target, scalarOf(filter, valueAt), valueAt)}`;
    case 'ne':
      return sql`${equalityColumn(target)} IS DISTINCT FROM ${equalityValue(target, scalarOf(filter, valueAt), valueAt)}`;
    case 'in':
    case 'nin': {
      const { values, withNull } = listOf(filter, valueAt);
      const parts: Sql[] = [];
      if (values.length > 0) {
        const list = joinSql(
          values.map((v, i) => equalityValue(target, v, `${valueAt}[${i}]`)),
          ', ',
        );
        parts.push(sql`${equalityColumn(target)} IN (${list})`);
      }
      if (withNull) parts.push(sql`${column} IS NULL`);
      const matches = parts.length === 0 ? raw('FALSE') : joinSql(parts, ' OR ');
      if (filter.op === 'in') return matches;
      // NOT (x IN (…)) is null, not true, for a missing x: coalesce makes nin the complement of in.
      return sql`NOT coalesce(${matches}, FALSE)`;
    }
    case 'between': {
      const { value } = filter;
      if (!Array.isArray(value) || value.length !== 2) {
        throw new QueryError(`${valueAt}: between needs [low, high] (either may be null for open-ended)`, valueAt);
      }
      const [low, high] = value;
      const parts: Sql[] = [];
      if (low !== null && low !== undefined) parts.push(sql`${column} >= ${bound(target, low, `${valueAt}[0]`)}`);
      if (high !== null && high !== undefined) parts.push(sql`${column} <= ${bound(target, high, `${valueAt}[1]`)}`);
      return and(parts);
    }
    case 'contains':
    case 'starts': {
      const text = target.column.type === 'string' ? column : sql`CAST(${column} AS VARCHAR)`;
      const needle = param(String(scalarOf(filter, valueAt)));
      const fn = raw(filter.op === 'contains' ? 'contains' : 'starts_with');
      return sql`${fn}(lower(${text}), lower(${needle}))`;
    }
    case 'null':
      return sql`${column} IS NULL`;
    case 'notnull':
      return sql`${column} IS NOT NULL`;
  }
}

const ORDERED = { ...COMPARISONS, ne: '<>' } as const;
const DATE_TYPES = new Set(['date', 'datetime', 'string']);

function isNumberColumn(target: ResolvedColumn): boolean {
  return target.column.type === 'number' || target.column.type === 'integer';
}

/** A date, datetime or ISO-8601 text column as a DATE (text by its first 10 characters; partial dates are null). */
function asDate(target: ResolvedColumn): Sql {
  if (target.column.type === 'string') return sql`try_cast(left(${target.sql}, 10) AS DATE)`;
  return sql`CAST(${target.sql} AS DATE)`;
}

/**
 * `column op times × against`: two columns of the same row. Numbers compare as numbers; dates,
 * datetimes and text as dates (a lab date against a first-dose date stored as a DATE in ADSL and
 * as ISO text in DM). Missing on either side is never a match.
 */
function compileAgainst(filter: QueryFilter, target: ResolvedColumn, scope: QueryScope, at: string): Sql {
  const against = filter.against;
  if (!against) throw new QueryError(`${at}.against: missing`, `${at}.against`);
  const op = filter.op;
  if (!(op in ORDERED)) {
    throw new QueryError(
      `${at}.op: a comparison with another column takes eq, ne, lt, le, gt or ge, not ${op}`,
      `${at}.op`,
    );
  }
  if (filter.value !== undefined) {
    throw new QueryError(`${at}.value: a comparison with another column takes no value`, `${at}.value`);
  }
  const other = scope.column(against.column, `${at}.against.column`);
  refuseMasked(other.column, `${at}.against.column`, 'filter');
  const symbol = raw(ORDERED[op as keyof typeof ORDERED]);
  const times = against.times ?? 1;
  if (isNumberColumn(target) && isNumberColumn(other)) {
    const right = times === 1 ? other.sql : sql`${param(times)} * ${other.sql}`;
    return sql`coalesce(${target.sql} ${symbol} ${right}, FALSE)`;
  }
  if (DATE_TYPES.has(target.column.type) && DATE_TYPES.has(other.column.type)) {
    if (times !== 1) {
      throw new QueryError(`${at}.against.times: dates compare as they are; times must be 1`, `${at}.against.times`);
    }
    return sql`coalesce(${asDate(target)} ${symbol} ${asDate(other)}, FALSE)`;
  }
  throw new QueryError(
    `${at}.against.column: ${target.column.name} (${target.column.type}) and ${other.column.name} (${other.column.type}) cannot be compared; both must be numbers, or dates, datetimes or ISO-8601 text`,
    `${at}.against.column`,
  );
}

/** Each filter of `filters` (found at `at[i]`) as a condition. */
export function filterConditions(filters: readonly QueryFilter[], scope: QueryScope, at: string): Sql[] {
  return filters.map((filter, i) => compileFilter(filter, scope, `${at}[${i}]`));
}
