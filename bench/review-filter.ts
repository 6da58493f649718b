import { existsSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { DatasetStore, QueryEngine, readRows, type StoredDataset } from '@cdp/analytics';
import type { QuerySpec } from '@cdp/contracts';
import { DuckDBInstance } from '@duckdb/node-api';
import type { AppContext } from '../apps/server/src/lib/context.ts';
import { type MarkedHash, markedRowNumbers, type ReviewDataset } from '../apps/server/src/review/record-status.ts';

/**
 * What a review-status filter costs (issue 19), beside the same request without it, in one run and
 * alternating (A B A B…), on the benchmark study's 1,000,000-row LB:
 * - the dataset grid's page (`…/rows?review=`): the pass that finds the marked records' row
 *   numbers (joined on USUBJID + LBSEQ, hashed) plus the rows query with `file_row_number [NOT] IN`,
 *   against the rows query alone, with 10,000 and 50,000 marks: cold (the marks changed since the
 *   last request, so the pass runs) and warm (the same marks: the pass's answer is kept);
 * - a widget's query with a subject set (`options.review` on any widget with a subject id): an
 *   aggregate over LB by visit with `not_in` a set of subjects, against the same aggregate alone.
 * In process (DuckDB only): reading the marks from PostgreSQL is not in these figures.
 */
const ROUNDS = 5;
const PAGE = 50;

const ms = (value: number) => Math.round(value * 10) / 10;
function median(values: number[]): number {
  const sorted = [...values].sort((a, b) => a - b);
  const mid = Math.floor(sorted.length / 2);
  return sorted.length % 2 === 1 ? (sorted[mid] ?? 0) : ((sorted[mid - 1] ?? 0) + (sorted[mid] ?? 0)) / 2;
}

async function clock(fn: () => Promise<unknown>): Promise<number> {
  const started = performance.now();
  await fn();
  return performance.now() - started;
}

/** A then B, `ROUNDS` times, each timed: medians and B's ratio to A. */
async function alternate(a: () => Promise<unknown>, b: () => Promise<unknown>) {
  await a();
  await b();
  const times = { a: [] as number[], b: [] as number[] };
  for (let i = 0; i < ROUNDS; i++) {
    times.a.push(await clock(a));
    times.b.push(await clock(b));
  }
  const [medianA, medianB] = [median(times.a), median(times.b)];
  return { withoutMs: ms(medianA), withMs: ms(medianB), ratio: Number((medianB / medianA).toFixed(2)) };
}

export async function benchReviewFilter(studyDir: string): Promise<Record<string, unknown>> {
  const csv = path.join(studyDir, 'lb.csv');
  if (!existsSync(csv)) throw new Error(`${csv} is missing: the benchmark study was not generated`);
  const file = path.join(os.tmpdir(), 'cdp-bench-review-lb.parquet');
  const db = await DuckDBInstance.create(':memory:');
  const connection = await db.connect();
  if (!existsSync(file)) await connection.run(`COPY (SELECT * FROM read_csv('${csv}')) TO '${file}' (FORMAT parquet)`);
  const described = (await connection.runAndReadAll(`DESCRIBE SELECT * FROM read_parquet('${file}')`)).getRowsJson();
  const columns = described.map((row) => ({
    name: String(row[0]),
    type: /INT/.test(String(row[1])) ? 'integer' : /DOUBLE|DECIMAL|FLOAT/.test(String(row[1])) ? 'number' : 'string',
  }));
  const rows = Number((await connection.runAndReadAll(`SELECT count(*) FROM '${file}'`)).getRowsJson()[0]?.[0]);
  const keys = (await connection.runAndReadAll(`SELECT USUBJID, LBSEQ FROM '${file}' LIMIT 50000`)).getRowsJson();
  const subjects = (await connection.runAndReadAll(`SELECT DISTINCT USUBJID FROM '${file}' ORDER BY 1`)).getRowsJson();
  connection.closeSync();
  db.closeSync();

  const ctx = { config: { duckdbMemoryLimit: '1GB' } } as unknown as AppContext;
  const lb: ReviewDataset = { name: 'LB', file, columns, key: ['USUBJID', 'LBSEQ'], rows };
  const stored: StoredDataset = { file, columns };
  const store = new DatasetStore({ memoryLimit: '1GB' });
  const page = () => readRows(store, stored, { offset: 0, limit: PAGE, filters: [] });
  const rowsFigures: Record<string, unknown> = {};
  try {
    for (const size of [10_000, 50_000]) {
      // Marks on the first records in file order, none with the record's hash: every one "changed".
      const marks: MarkedHash[] = keys
        .slice(0, size)
        .map((k) => ({ key: { USUBJID: String(k[0]), LBSEQ: String(Number(k[1])) }, h: 'not-the-hash' }));
      // Cold: marks that changed since the last request (one mark fewer each time), so the pass
      // runs; warm: the same marks again (the pass's answer is kept, `markedRowNumbers`).
      let variant = 0;
      const filtered = async (status: 'changed' | 'not_reviewed', cold = false) => {
        const set = cold ? marks.filter((_, i) => i !== variant++) : marks;
        const { reviewed, changed } = await markedRowNumbers(ctx, lb, set);
        const rowSet =
          status === 'changed'
            ? { keep: 'only' as const, rows: changed }
            : { keep: 'except' as const, rows: [...reviewed, ...changed] };
        return readRows(store, stored, { offset: 0, limit: PAGE, filters: [], rowSet });
      };
      const check = await filtered('changed');
      if (check.total !== size) throw new Error(`${size} marks: the changed filter kept ${check.total} rows`);
      rowsFigures[String(size)] = {
        changedCold: await alternate(page, () => filtered('changed', true)),
        notReviewedCold: await alternate(page, () => filtered('not_reviewed', true)),
        notReviewedWarm: await alternate(page, () => filtered('not_reviewed')),
      };
    }
  } finally {
    await store.close();
  }

  // A widget's query with a subject set: LB's ALT-like mean by visit, half the subjects left out.
  const engine = new QueryEngine({ memoryLimit: '1GB', fold: false });
  const resolve = (name: string) => (name.toUpperCase() === 'LB' ? stored : undefined);
  const half = subjects.filter((_, i) => i % 2 === 0).map((r) => String(r[0]));
  let round = 0;
  const spec = (withSet: boolean): QuerySpec => ({
    from: 'LB',
    groupBy: [{ column: { dataset: 'LB', column: 'VISIT' }, as: 'visit' }],
    measures: [{ op: 'mean', column: { dataset: 'LB', column: 'LBSTRESN' }, as: 'mean' }],
    ...(withSet ? { subjectSets: [{ column: { dataset: 'LB', column: 'USUBJID' }, keep: 'not_in', ids: half }] } : {}),
  });
  // Each run its own cache key: the engine's answer cache would otherwise answer every round but the first.
  const run = (withSet: boolean) => engine.run(spec(withSet), resolve, { cacheKey: `r${round++}` });
  let widget: Record<string, unknown>;
  try {
    widget = {
      subjectsLeftOut: half.length,
      ...(await alternate(
        () => run(false),
        () => run(true),
      )),
    };
  } finally {
    await engine.close();
  }
  return { rows, page: PAGE, rounds: ROUNDS, gridPage: rowsFigures, widgetQuery: widget };
}

/** The figures as lines under the review bench's. */
export function printReviewFilter(figures: Record<string, unknown>): void {
  const line = (label: string, value: string) => console.log(`  ${label.padEnd(40)} ${value}`);
  const grid = figures.gridPage as Record<string, Record<string, { withoutMs: number; withMs: number; ratio: number }>>;
  console.log(
    `\nReview-status filter, LB ${Number(figures.rows).toLocaleString('en-US')} rows (in process, median of ${figures.rounds})`,
  );
  for (const [size, f] of Object.entries(grid)) {
    const marks = Number(size).toLocaleString('en-US');
    for (const status of ['changedCold', 'notReviewedCold', 'notReviewedWarm'] as const) {
      const s = f[status];
      if (s)
        line(`grid page, ${status}, ${marks} marks`, `${s.withMs} ms vs ${s.withoutMs} ms unfiltered (${s.ratio}×)`);
    }
  }
  const w = figures.widgetQuery as { withoutMs: number; withMs: number; ratio: number; subjectsLeftOut: number };
  line(`widget query, not_in ${w.subjectsLeftOut} subjects`, `${w.withMs} ms vs ${w.withoutMs} ms (${w.ratio}×)`);
}
