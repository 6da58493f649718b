import { existsSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { DuckDBInstance } from '@duckdb/node-api';
import type { AppContext } from '../apps/server/src/lib/context.ts';
import {
  type MarkedHash,
  type ReviewDataset,
  recordNow,
  statusCounts,
  statusPage,
} from '../apps/server/src/review/record-status.ts';

/**
 * How long review status takes on the 1,000,000-row LB of the dashboard benchmark's demo study
 * (`npm run bench -- dashboard` generates it once into the temp folder): counts with 1,000 and
 * 10,000 marks (a tenth changed), a page of "not reviewed", a page of "changed", one record's hash.
 * Run: node --import tsx bench/review-marks.ts
 */
const CSV = path.join(os.tmpdir(), 'cdp-bench-dashboard', 's4400-sites60-v26-seed1', 'lb.csv');
const PARQUET = path.join(os.tmpdir(), 'cdp-bench-review-lb.parquet');

async function main() {
  if (!existsSync(CSV))
    throw new Error(`${CSV} is missing: run npm run bench -- dashboard once to generate the study.`);
  const db = await DuckDBInstance.create(':memory:');
  const connection = await db.connect();
  if (!existsSync(PARQUET)) {
    await connection.run(`COPY (SELECT * FROM read_csv('${CSV}')) TO '${PARQUET}' (FORMAT parquet)`);
  }
  const described = await connection.runAndReadAll(`DESCRIBE SELECT * FROM read_parquet('${PARQUET}')`);
  const columns = described.getRowsJson().map((row) => ({
    name: String(row[0]),
    type: /INT/.test(String(row[1])) ? 'integer' : /DOUBLE|DECIMAL|FLOAT/.test(String(row[1])) ? 'number' : 'string',
  }));
  const rows = Number((await connection.runAndReadAll(`SELECT count(*) FROM '${PARQUET}'`)).getRowsJson()[0]?.[0]);
  connection.closeSync();
  const ctx = { config: { duckdbMemoryLimit: '1GB' } } as unknown as AppContext;
  const lb: ReviewDataset = { name: 'LB', file: PARQUET, columns, key: ['USUBJID', 'LBSEQ'], rows };

  const time = async <T>(label: string, fn: () => Promise<T>): Promise<T> => {
    const started = performance.now();
    const result = await fn();
    console.log(`${label}: ${(performance.now() - started).toFixed(0)} ms`);
    return result;
  };
  console.log(`LB: ${rows.toLocaleString('en-US')} rows, ${columns.length} columns`);
  const key = { USUBJID: 'CDP-301-S001-0001', LBSEQ: '1' };
  await time('one record, hash (cold)', () => recordNow(ctx, lb, key));
  await time('one record, hash (warm)', () => recordNow(ctx, lb, key));
  const page = await time('first page of 10,000 records, no marks', () =>
    statusPage(ctx, lb, [], { offset: 0, limit: 10_000 }),
  );
  // Every tenth mark a hash that cannot match ("changed"), the first 50 the record's real hash.
  const real = new Map<string, string>();
  for (const row of page.rows.slice(0, 50)) {
    real.set(
      row.recordKey,
      (await recordNow(ctx, lb, { USUBJID: row.usubjid, LBSEQ: row.values.LBSEQ ?? '' }))?.sha256 ?? '',
    );
  }
  for (const size of [1_000, 10_000]) {
    const all: MarkedHash[] = page.rows.slice(0, size).map((row, i) => ({
      key: { USUBJID: row.usubjid, LBSEQ: row.values.LBSEQ ?? null },
      h: i % 10 === 0 ? 'not-the-hash' : (real.get(row.recordKey) ?? 'unknown'),
    }));
    const counts = await time(`counts, ${size.toLocaleString('en-US')} marks`, () => statusCounts(ctx, lb, all));
    await time(`counts, ${size.toLocaleString('en-US')} marks (again)`, () => statusCounts(ctx, lb, all));
    console.log(`  ${JSON.stringify(counts)}`);
    await time(`page of 50 not reviewed, ${size} marks`, () =>
      statusPage(ctx, lb, all, { status: 'not_reviewed', offset: 0, limit: 50 }),
    );
    await time(`page of 50 changed, ${size} marks`, () =>
      statusPage(ctx, lb, all, { status: 'changed', offset: 0, limit: 50 }),
    );
    await time(`one subject's records, ${size} marks`, () =>
      statusPage(ctx, lb, all, { usubjid: 'CDP-301-S001-0001', offset: 0, limit: 500 }),
    );
  }
}

await main();
