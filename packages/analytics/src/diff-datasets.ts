import { quoteIdent } from '@cdp/formats';
import type { DuckDBConnection } from '@duckdb/node-api';
import type { DatasetStore, StoreColumn, StoredDataset } from './dataset-store.ts';
import { datasetSource } from './protected-source.ts';
import { jsonCell } from './values.ts';

export interface DatasetDiff {
  name: string;
  status: 'added' | 'removed' | 'changed' | 'unchanged';
  rows: { from: number | null; to: number | null };
  columnsAdded: string[];
  columnsRemoved: string[];
  columnsRetyped: { name: string; from: string; to: string }[];
  /** integer ↔ number: the same numbers stored another way (XPT has only doubles); not a retype. */
  columnsNumericStorage: { name: string; from: string; to: string }[];
  key: string[] | null;
  keyProblem: string | null;
  rowsAdded: number;
  rowsRemoved: number;
  rowsChanged: number;
  samples: {
    added: Record<string, unknown>[];
    removed: Record<string, unknown>[];
    changed: { key: Record<string, unknown>; changes: { column: string; from: unknown; to: unknown }[] }[];
  };
}

export interface NamedDataset extends StoredDataset {
  name: string;
  rows: number;
}

const NUMERIC = new Set(['integer', 'number']);

const byName = (columns: StoreColumn[]) => new Map(columns.map((c) => [c.name.toUpperCase(), c]));

/**
 * The key rows are matched by when the caller names none: SDTM's USUBJID plus the domain's --SEQ
 * (AESEQ in AE), or USUBJID alone in one-row-per-subject data (DM, ADSL). Both must be unique,
 * which is checked before use.
 */
export function defaultKey(from: StoreColumn[], to: StoreColumn[], datasetName: string): string[] | null {
  const a = byName(from);
  const b = byName(to);
  const common = (name: string) => a.has(name) && b.has(name);
  if (!common('USUBJID')) return null;
  const domainSeq = `${datasetName.slice(0, 2).toUpperCase()}SEQ`;
  const seq = common(domainSeq) ? domainSeq : [...a.keys()].find((n) => /^[A-Z]{2}SEQ$/.test(n) && common(n));
  return seq ? ['USUBJID', seq] : ['USUBJID'];
}

async function scalar(connection: DuckDBConnection, sql: string): Promise<number> {
  const result = await connection.runAndReadAll(sql);
  return Number(result.getRowsJson()[0]?.[0] ?? 0);
}

function emptyDiff(name: string): DatasetDiff {
  return {
    name,
    status: 'unchanged',
    rows: { from: null, to: null },
    columnsAdded: [],
    columnsRemoved: [],
    columnsRetyped: [],
    columnsNumericStorage: [],
    key: null,
    keyProblem: null,
    rowsAdded: 0,
    rowsRemoved: 0,
    rowsChanged: 0,
    samples: { added: [], removed: [], changed: [] },
  };
}

/**
 * What changed in one dataset between two versions: columns added, removed and retyped, and rows
 * added, removed and changed by key, with a few samples of each.
 */
export async function diffDataset(
  store: DatasetStore,
  from: NamedDataset | null,
  to: NamedDataset | null,
  options: { key?: string[]; samples: number },
): Promise<DatasetDiff> {
  const name = (to ?? from)?.name ?? '';
  const diff = emptyDiff(name);
  diff.rows = { from: from?.rows ?? null, to: to?.rows ?? null };
  if (!from || !to) {
    diff.status = from ? 'removed' : 'added';
    return diff;
  }
  if (from.file === to.file) return diff;
  const a = byName(from.columns);
  const b = byName(to.columns);
  diff.columnsAdded = to.columns.filter((c) => !a.has(c.name.toUpperCase())).map((c) => c.name);
  diff.columnsRemoved = from.columns.filter((c) => !b.has(c.name.toUpperCase())).map((c) => c.name);
  for (const column of to.columns) {
    const before = a.get(column.name.toUpperCase());
    if (!before || before.type === column.type) continue;
    const change = { name: column.name, from: before.type, to: column.type };
    // Integer and floating columns compare as numbers: a value that differs still shows as a changed row.
    if (NUMERIC.has(before.type) && NUMERIC.has(column.type)) diff.columnsNumericStorage.push(change);
    else diff.columnsRetyped.push(change);
  }
  const common = to.columns.filter((c) => a.has(c.name.toUpperCase()));
  const requested = options.key?.map((k) => k.toUpperCase());
  const key = requested ?? defaultKey(from.columns, to.columns, name);
  await store.withConnection(async (connection) => {
    if (!key) {
      diff.keyProblem = 'No key to match rows by (no USUBJID); name one with ?key=COL1,COL2.';
      return;
    }
    const missing = key.filter((k) => !a.has(k) || !b.has(k));
    if (missing.length > 0) {
      diff.keyProblem = `Key column ${missing.join(', ')} is not in both versions.`;
      return;
    }
    const keyCols = key.map((k) => (b.get(k) as StoreColumn).name);
    diff.key = keyCols;
    const src = (d: NamedDataset) => datasetSource(d);
    const keyList = keyCols.map(quoteIdent).join(', ');
    for (const [side, dataset] of [
      ['earlier', from],
      ['later', to],
    ] as const) {
      const duplicates = await scalar(
        connection,
        `SELECT count(*) FROM (SELECT ${keyList} FROM ${src(dataset)} GROUP BY ${keyList} HAVING count(*) > 1)`,
      );
      if (duplicates > 0) {
        diff.keyProblem = `Key ${keyCols.join(', ')} is not unique in the ${side} version (${duplicates} repeated values); name another with ?key=.`;
        diff.key = null;
        return;
      }
    }
    // Retyped columns compare as text: DATE 2024-01-05 and '2024-01-05' are the same value.
    const retyped = new Set(diff.columnsRetyped.map((c) => c.name.toUpperCase()));
    const valueCols = common.filter((c) => !key.includes(c.name.toUpperCase()));
    const cmp = (c: StoreColumn) => {
      const left = `a.${quoteIdent((a.get(c.name.toUpperCase()) as StoreColumn).name)}`;
      const right = `b.${quoteIdent(c.name)}`;
      return retyped.has(c.name.toUpperCase())
        ? `CAST(${left} AS VARCHAR) IS DISTINCT FROM CAST(${right} AS VARCHAR)`
        : `${left} IS DISTINCT FROM ${right}`;
    };
    const on = keyCols
      .map((k) => `a.${quoteIdent((a.get(k.toUpperCase()) as StoreColumn).name)} = b.${quoteIdent(k)}`)
      .join(' AND ');
    const changedWhere = valueCols.length > 0 ? valueCols.map(cmp).join(' OR ') : 'false';
    await connection.run(`CREATE OR REPLACE TEMP VIEW a AS SELECT * FROM ${src(from)}`);
    await connection.run(`CREATE OR REPLACE TEMP VIEW b AS SELECT * FROM ${src(to)}`);
    diff.rowsAdded = await scalar(connection, `SELECT count(*) FROM b WHERE NOT EXISTS (SELECT 1 FROM a WHERE ${on})`);
    diff.rowsRemoved = await scalar(
      connection,
      `SELECT count(*) FROM a WHERE NOT EXISTS (SELECT 1 FROM b WHERE ${on})`,
    );
    diff.rowsChanged = await scalar(connection, `SELECT count(*) FROM a JOIN b ON ${on} WHERE ${changedWhere}`);
    const limit = options.samples;
    if (limit === 0) return;
    const objects = (rows: Record<string, unknown>[], columns: StoreColumn[]) =>
      rows.map((row) => Object.fromEntries(columns.map((c) => [c.name, jsonCell(c.type, row[c.name])])));
    const sample = async (sql: string) =>
      (await connection.runAndReadAll(sql)).getRowObjectsJson() as Record<string, unknown>[];
    diff.samples.added = objects(
      await sample(`SELECT * FROM b WHERE NOT EXISTS (SELECT 1 FROM a WHERE ${on}) LIMIT ${limit}`),
      to.columns,
    );
    diff.samples.removed = objects(
      await sample(`SELECT * FROM a WHERE NOT EXISTS (SELECT 1 FROM b WHERE ${on}) LIMIT ${limit}`),
      from.columns,
    );
    const pairs = valueCols.flatMap((c, i) => [
      `a.${quoteIdent((a.get(c.name.toUpperCase()) as StoreColumn).name)} AS ${quoteIdent(`f${i}`)}`,
      `b.${quoteIdent(c.name)} AS ${quoteIdent(`t${i}`)}`,
    ]);
    const keySelect = keyCols.map((k, i) => `b.${quoteIdent(k)} AS ${quoteIdent(`k${i}`)}`);
    const changed = await sample(
      `SELECT ${[...keySelect, ...pairs].join(', ')} FROM a JOIN b ON ${on} WHERE ${changedWhere} LIMIT ${limit}`,
    );
    diff.samples.changed = changed.map((row) => ({
      key: Object.fromEntries(
        keyCols.map((k, i) => [k, jsonCell((b.get(k.toUpperCase()) as StoreColumn).type, row[`k${i}`])]),
      ),
      changes: valueCols.flatMap((c, i) => {
        const before = jsonCell((a.get(c.name.toUpperCase()) as StoreColumn).type, row[`f${i}`]);
        const after = jsonCell(c.type, row[`t${i}`]);
        return String(before) === String(after) && (before === null) === (after === null)
          ? []
          : [{ column: c.name, from: before, to: after }];
      }),
    }));
  });
  const changed =
    diff.columnsAdded.length +
      diff.columnsRemoved.length +
      diff.columnsRetyped.length +
      diff.rowsAdded +
      diff.rowsRemoved +
      diff.rowsChanged >
      0 || diff.rows.from !== diff.rows.to;
  diff.status = changed ? 'changed' : 'unchanged';
  return diff;
}
