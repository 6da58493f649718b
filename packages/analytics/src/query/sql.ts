import type { DuckDBValue } from '@duckdb/node-api';

/**
 * A piece of SQL with the values of its `?` placeholders, in order. Pieces are only ever combined
 * through `sql` and `joinSql`, so a placeholder and its value can never drift apart, however often
 * an expression (a bucketed group key, say) is repeated in a query.
 */
export interface Sql {
  readonly text: string;
  readonly params: readonly DuckDBValue[];
}

/** Text that is already safe SQL: a keyword, a quoted identifier, a `quoteLiteral` file name. */
export function raw(text: string): Sql {
  return { text, params: [] };
}

/** One bound value. */
export function param(value: DuckDBValue): Sql {
  return { text: '?', params: [value] };
}

/** A template whose holes take only `Sql`, never a bare string: values cannot be pasted in by accident. */
export function sql(strings: TemplateStringsArray, ...parts: Sql[]): Sql {
  let text = strings[0] ?? '';
  const params: DuckDBValue[] = [];
  parts.forEach((part, i) => {
    text += part.text + (strings[i + 1] ?? '');
    params.push(...part.params);
  });
  return { text, params };
}

export function joinSql(parts: readonly Sql[], separator: string): Sql {
  return { text: parts.map((p) => p.text).join(separator), params: parts.flatMap((p) => p.params) };
}

/** `a AND b AND …`, each part parenthesised; `TRUE` for none. */
export function and(parts: readonly Sql[]): Sql {
  if (parts.length === 0) return raw('TRUE');
  return joinSql(
    parts.map((p) => sql`(${p})`),
    ' AND ',
  );
}
