import type { QuerySpec } from '@cdp/contracts';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { StoredDataset } from '../dataset-store.ts';
import { compileQuery } from './compile-query.ts';
import { QueryEngine } from './query-engine.ts';
import { filter, makeStudy, ref, type TestStudy } from './test-support.ts';

/*
 * Counts of distinct values without DISTINCT (`uniqueCounts`): the engine checks once per file
 * whether a column repeats a value (USUBJID of DM: one row per subject) and, when it does not, a
 * query that joins nothing counts its values instead. The answers must be those of plain
 * `count(DISTINCT …)`, computed here by a DuckDB of the test's own; a file that does repeat, a
 * masked column, a new data version and a reader of PHI in clear must never be answered by it.
 */

let study: TestStudy;
let engine: QueryEngine;
let plain: QueryEngine;

/** Subjects by arm (with a measure filter), as the count widgets ask. */
const bySubjectsPerArm = (from: string): QuerySpec => ({
  from,
  where: [filter(from, 'AGE', 'ge', 30)],
  groupBy: [{ column: ref(from, 'ARM'), as: 'arm' }],
  measures: [
    { op: 'count_distinct', column: ref(from, 'USUBJID'), as: 'subjects' },
    {
      op: 'count_distinct',
      column: ref(from, 'USUBJID'),
      as: 'women',
      where: [filter(from, 'SEX', 'eq', 'F')],
    },
  ],
  orderBy: [{ key: 'arm', dir: 'asc' }],
});

/** The same numbers in plain SQL over the file. */
const reference = (file: string) =>
  study.rows(
    `SELECT ARM, count(DISTINCT USUBJID), count(DISTINCT USUBJID) FILTER (WHERE upper(trim(SEX)) = 'F')
     FROM read_parquet('${file}') WHERE AGE >= 30 GROUP BY 1 ORDER BY 1 NULLS LAST`,
  );

const numbers = (rows: readonly (readonly unknown[])[]) =>
  rows.map((row) => row.map((v) => (typeof v === 'string' && /^\d+$/.test(v) ? Number(v) : v)));

beforeAll(async () => {
  study = await makeStudy();
  // A second version of DM in which S01 and S03 appear twice (a file that is not one row per subject).
  const dm = study.datasets.get('DM') as StoredDataset;
  const repeated = await study.write(
    'dm-repeated.parquet',
    `SELECT * FROM read_parquet('${dm.file}') UNION ALL SELECT * FROM read_parquet('${dm.file}') WHERE USUBJID IN ('S01', 'S03')`,
  );
  study.datasets.set('DMR', { file: repeated, columns: dm.columns });
  // Partials (subject-partials.ts) off: they check uniqueness for their own sums; these engines count checks.
  engine = new QueryEngine({ threads: 1, partials: false });
  plain = new QueryEngine({ threads: 1, uniqueCounts: false, partials: false });
});
afterAll(async () => {
  await engine?.close();
  await plain?.close();
  await study?.remove();
});

describe('counts of distinct values of a column that repeats no value', () => {
  it('are counts of values for a column checked unique, and equal plain count(DISTINCT)', async () => {
    const dm = study.datasets.get('DM') as StoredDataset;
    const { result } = await engine.run(bySubjectsPerArm('DM'), study.resolve, { cacheKey: 'v1' });
    expect(engine.uniqueChecks).toBe(1);
    expect(result.rows).toEqual(numbers(await reference(dm.file)));
    const { result: without } = await plain.run(bySubjectsPerArm('DM'), study.resolve, { cacheKey: 'v1' });
    expect(result.rows).toEqual(without.rows);
    expect(plain.uniqueChecks).toBe(0);
    // Checked once per file: the next spec on DM compiles with what is known.
    await engine.run({ ...bySubjectsPerArm('DM'), where: [] }, study.resolve, { cacheKey: 'v1' });
    expect(engine.uniqueChecks).toBe(1);
  });

  it('keep DISTINCT where the column repeats (a new data version of the same dataset)', async () => {
    const repeated = study.datasets.get('DMR') as StoredDataset;
    const { result } = await engine.run(bySubjectsPerArm('DMR'), study.resolve, { cacheKey: 'v2' });
    const expected = numbers(await reference(repeated.file));
    expect(result.rows).toEqual(expected);
    // The repeated subjects would be counted twice without DISTINCT: the check mattered.
    const counted = await study.rows(
      `SELECT ARM, count(USUBJID) FROM read_parquet('${repeated.file}') WHERE AGE >= 30 GROUP BY 1 ORDER BY 1 NULLS LAST`,
    );
    expect(numbers(counted).map((r) => r[1])).not.toEqual(expected.map((r) => r[1]));
  });

  it('compile to count() only for a unique column of a query that joins nothing', () => {
    const hints = { uniqueColumns: () => new Set(['USUBJID']) };
    const alone = compileQuery(bySubjectsPerArm('DM'), study.resolve, hints);
    expect(alone.sql).not.toMatch(/DISTINCT/);
    expect(alone.sql).toMatch(/count\(t0\."USUBJID"\)/);
    // A join may repeat DM's rows (one per event): DISTINCT stays.
    const joined = compileQuery(
      {
        ...bySubjectsPerArm('DM'),
        joins: [{ dataset: 'AE', kind: 'inner', on: [{ left: ref('DM', 'USUBJID'), right: 'USUBJID' }] }],
      },
      study.resolve,
      hints,
    );
    // (Its two distinct counts are counted per distinct id in two levels: distinct-counts.test.ts.)
    expect(joined.sql).toMatch(/t0\."USUBJID" AS _k/);
    expect(joined.sql).not.toMatch(/count\(t0\."USUBJID"\)/);
    // Without the hint, as before.
    expect(compileQuery(bySubjectsPerArm('DM'), study.resolve).sql).toMatch(/t0\."USUBJID" AS _k/);
  });

  it('never for a masked column, nor checked for a reader who reads PHI in clear', async () => {
    const dm = study.datasets.get('DM') as StoredDataset;
    const fresh = new QueryEngine({ threads: 1, partials: false });
    try {
      // Masked: every id reads as the mask, so distinct ids are 1 per arm, whatever the file holds.
      const masked: StoredDataset = {
        ...dm,
        columns: dm.columns.map((c) => (c.name === 'USUBJID' ? { ...c, masked: true } : c)),
      };
      const maskedSpec: QuerySpec = {
        ...bySubjectsPerArm('DM'),
        measures: (bySubjectsPerArm('DM').measures ?? []).slice(0, 1),
      };
      const resolveMasked = (name: string) => (name.toUpperCase() === 'DM' ? masked : study.resolve(name));
      const { result } = await fresh.run(maskedSpec, resolveMasked, { cacheKey: 'v1' });
      expect(fresh.uniqueChecks).toBe(0);
      expect(result.rows.map((r) => r[1])).toEqual([1, 1]);
      // A clear-PHI reader (its reads are logged): no check is run for it.
      const reads: unknown[] = [];
      const clear: StoredDataset = { ...dm, onRead: (columns) => reads.push(columns) };
      const resolveClear = (name: string) => (name.toUpperCase() === 'DM' ? clear : study.resolve(name));
      const { result: clearResult } = await fresh.run(bySubjectsPerArm('DM'), resolveClear, { cacheKey: 'v1' });
      expect(fresh.uniqueChecks).toBe(0);
      expect(clearResult.rows).toEqual(numbers(await reference(dm.file)));
      expect(reads.length).toBeGreaterThan(0);
    } finally {
      await fresh.close();
    }
  });
});
