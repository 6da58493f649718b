import { duckMessage } from '@cdp/formats';
import type { DuckDBConnection } from '@duckdb/node-api';

/**
 * Table functions a statement may call: they make rows out of their arguments and touch nothing
 * outside the query. Every other one (`read_csv`, `read_parquet`, `read_text`, `query`,
 * `duckdb_settings`, …) reads files, settings or the catalog and is refused.
 */
const SAFE_TABLE_FUNCTIONS = new Set(['range', 'generate_series', 'unnest']);

/** FROM-clause shapes a SELECT over datasets needs; `SHOW`/`DESCRIBE` and the like are refused. */
const SAFE_TABLE_REFS = new Set(['BASE_TABLE', 'JOIN', 'SUBQUERY', 'EXPRESSION_LIST', 'EMPTY', 'PIVOT']);

type Json = null | boolean | number | string | Json[] | { [key: string]: Json };

/**
 * Why `sql` is not one SELECT over `datasets` (lower-cased names of the inputs and the earlier
 * statements), or `undefined` when it is. Decided on DuckDB's own parse tree, not on the text: the
 * statement count from the parser, the statement type from `json_serialize_sql` (which serializes
 * SELECTs only), then every table reference of the tree.
 */
export async function statementProblem(
  connection: DuckDBConnection,
  sql: string,
  datasets: ReadonlySet<string>,
): Promise<string | undefined> {
  let count: number;
  try {
    count = (await connection.extractStatements(sql)).count;
  } catch (error) {
    return `syntax error: ${duckMessage(error)}`;
  }
  if (count === 0) return 'a statement needs a SELECT';
  if (count > 1) return `one SELECT per statement, found ${count} statements (split them into named statements)`;

  const reader = await connection.runAndReadAll('SELECT json_serialize_sql($1::VARCHAR)', [sql]);
  const tree = JSON.parse(String(reader.getRows()[0]?.[0])) as { error: boolean; statements?: Json[] };
  if (tree.error || !tree.statements?.[0]) {
    return `${firstKeyword(sql)} is not allowed: a statement is one SELECT over the inputs and the statements before it`;
  }
  const ctes = new Set<string>();
  collectCteNames(tree.statements[0], ctes);
  return tableProblem(tree.statements[0], datasets, ctes);
}

function tableProblem(node: Json, datasets: ReadonlySet<string>, ctes: ReadonlySet<string>): string | undefined {
  if (Array.isArray(node)) {
    for (const child of node) {
      const problem = tableProblem(child, datasets, ctes);
      if (problem) return problem;
    }
    return undefined;
  }
  if (node === null || typeof node !== 'object') return undefined;
  // A table reference is the one node kind with a `type`, an `alias` and a `sample` but no expression
  // `class` (query nodes such as SELECT_NODE have a `sample` but no `alias`).
  if (typeof node.type === 'string' && 'alias' in node && 'sample' in node && !('class' in node)) {
    const problem = tableRefProblem(node, datasets, ctes);
    if (problem) return problem;
  }
  for (const child of Object.values(node)) {
    const problem = tableProblem(child, datasets, ctes);
    if (problem) return problem;
  }
  return undefined;
}

function tableRefProblem(
  ref: { [key: string]: Json },
  datasets: ReadonlySet<string>,
  ctes: ReadonlySet<string>,
): string | undefined {
  const type = String(ref.type);
  if (type === 'TABLE_FUNCTION') {
    const fn = ref.function as { function_name?: string } | null;
    const name = String(fn?.function_name ?? '').toLowerCase();
    if (SAFE_TABLE_FUNCTIONS.has(name)) return undefined;
    return `${name}() is not allowed: a statement reads only the inputs and the statements before it (no files, settings or catalog)`;
  }
  if (type === 'BASE_TABLE') {
    const name = String(ref.table_name ?? '');
    const qualified = [ref.catalog_name, ref.schema_name].some((part) => typeof part === 'string' && part !== '');
    if (!qualified && (datasets.has(name.toLowerCase()) || ctes.has(name.toLowerCase()))) return undefined;
    const shown = qualified ? [ref.catalog_name, ref.schema_name, name].filter(Boolean).join('.') : name;
    return `no dataset "${shown}": a statement reads only the inputs and the statements before it`;
  }
  if (SAFE_TABLE_REFS.has(type)) return undefined;
  if (type === 'SHOW_REF') return 'DESCRIBE, SHOW and SUMMARIZE are not allowed in a pipeline statement';
  return `${type.replaceAll('_', ' ').toLowerCase()} is not allowed in a pipeline statement`;
}

function collectCteNames(node: Json, into: Set<string>): void {
  if (Array.isArray(node)) {
    for (const child of node) collectCteNames(child, into);
    return;
  }
  if (node === null || typeof node !== 'object') return;
  const map = (node.cte_map as { map?: { key?: string }[] } | undefined)?.map;
  if (Array.isArray(map)) for (const entry of map) if (entry.key) into.add(entry.key.toLowerCase());
  for (const child of Object.values(node)) collectCteNames(child, into);
}

/** The statement's first word, for the message only (`COPY`, `ATTACH`, `PRAGMA`). */
function firstKeyword(sql: string): string {
  const text = sql.replace(/--[^\n]*|\/\*[\s\S]*?\*\//g, ' ').replace(/^[\s(]+/, '');
  return (/^[A-Za-z_]+/.exec(text)?.[0] ?? 'this statement').toUpperCase();
}
