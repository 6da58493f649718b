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

/** Each filter of `filters` (found at `at[i]`) as a condition. */
export function filterConditions(filters: readonly QueryFilter[], scope: QueryScope, at: string): Sql[] {
  return filters.map((filter, i) => compileFilter(filter, scope, `${at}[${i}]`));
}
