import type { QueryMeasure, QuerySpec } from '@cdp/contracts';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { StoredDataset } from '../dataset-store.ts';
import { compileQuery } from './compile-query.ts';
import { QueryEngine } from './query-engine.ts';
import { makeStudy, ref, type TestStudy } from './test-support.ts';

/*
 * Box-plot statistics in one pass (`boxPlotMeasures`): per group one quantile list and one value
 * list, fences and whiskers above the aggregation. Checked against a reference computed here in
 * TypeScript from the raw rows (linear interpolation between closest ranks, Tukey's 1.5 × IQR),
 * with a top N whose Other group gathers several visits, a measure-level where, and nulls.
 */

let study: TestStudy;
let engine: QueryEngine;
let rows: Array<{ visit: string; visitnum: number; v: number | null; flag: string }>;

beforeAll(async () => {
  study = await makeStudy();
  // 7 visits of uneven size with a few far values, deterministic.
  rows = [];
  let seed = 7;
  const next = () => {
    seed = (seed * 1103515245 + 12345) % 2 ** 31;
    return seed / 2 ** 31;
  };
  for (let visit = 1; visit <= 7; visit++) {
    for (let i = 0; i < 10 + visit * 7; i++) {
      const far = next() < 0.06 ? 80 * next() : 0;
      const v = next() < 0.05 ? null : Math.round((20 + visit + 10 * next() + far) * 10) / 10;
      rows.push({ visit: `VISIT ${visit}`, visitnum: visit, v, flag: next() < 0.5 ? 'Y' : 'N' });
    }
  }
  const values = rows
    .map((r) => `('${r.visit}', ${r.visitnum}, ${r.v === null ? 'NULL' : `${r.v}::DOUBLE`}, '${r.flag}')`)
    .join(', ');
  const file = await study.write('lab.parquet', `SELECT * FROM (VALUES ${values}) AS t(VISIT, VISITNUM, AVAL, FLAG)`);
  const lab: StoredDataset = {
    file,
    columns: [
      { name: 'VISIT', type: 'string' },
      { name: 'VISITNUM', type: 'integer' },
      { name: 'AVAL', type: 'number' },
      { name: 'FLAG', type: 'string' },
    ],
  };
  study.datasets.set('LAB', lab);
  engine = new QueryEngine({ threads: 1 });
});
afterAll(async () => {
  await engine?.close();
  await study?.remove();
});

/** `quantile_cont`: linear interpolation at (n − 1) × p over the sorted values. */
function quantile(sorted: number[], p: number): number {
  const at = (sorted.length - 1) * p;
  const lo = Math.floor(at);
  const low = sorted[lo] as number;
  const high = sorted[Math.min(lo + 1, sorted.length - 1)] as number;
  return low + (at - lo) * (high - low);
}

function boxOf(values: number[]) {
  const sorted = [...values].sort((a, b) => a - b);
  const q1 = quantile(sorted, 0.25);
  const q3 = quantile(sorted, 0.75);
  const low = q1 - 1.5 * (q3 - q1);
  const high = q3 + 1.5 * (q3 - q1);
  const outliers = sorted.filter((v) => v < low || v > high);
  return {
    n: sorted.length,
    q1,
    median: quantile(sorted, 0.5),
    q3,
    p90: quantile(sorted, 0.9),
    whisker_low: Math.min(...sorted.filter((v) => v >= low)),
    whisker_high: Math.max(...sorted.filter((v) => v <= high)),
    outliers: outliers.length ? outliers.map((v) => (Number.isInteger(v) ? `${v}.0` : String(v))).join(', ') : null,
  };
}

/** The compiled SQL with its values written in, for the test's own DuckDB. */
const inline = (text: string, params: readonly unknown[]) => {
  let i = 0;
  return text.replace(/\?/g, () => {
    const value = params[i++];
    return typeof value === 'string' ? `'${value.replaceAll("'", "''")}'` : String(value);
  });
};

/** Counts and integers as numbers, as the engine gives them. */
const numbers = (rows: readonly (readonly unknown[])[]) =>
  rows.map((row) => row.map((x) => (typeof x === 'string' && /^\d+$/.test(x) ? Number(x) : x)));

const v = ref('LAB', 'AVAL');
const flagged = [{ column: ref('LAB', 'FLAG'), op: 'eq' as const, value: 'Y' }];
const MEASURES: QueryMeasure[] = [
  { op: 'count', column: v, as: 'n' },
  { op: 'whisker_low', column: v, as: 'whisker_low' },
  { op: 'percentile', column: v, p: 0.25, as: 'q1' },
  { op: 'median', column: v, as: 'median' },
  { op: 'percentile', column: v, p: 0.75, as: 'q3' },
  { op: 'percentile', column: v, p: 0.9, as: 'p90' },
  { op: 'whisker_high', column: v, as: 'whisker_high' },
  { op: 'outliers', column: v, as: 'outliers' },
  { op: 'whisker_high', column: v, as: 'flagged_high', where: flagged },
  { op: 'median', column: v, as: 'flagged_median', where: flagged },
  { op: 'min', column: ref('LAB', 'VISITNUM'), as: 'visit_order' },
];

describe('box-plot statistics in one pass', () => {
  it('match Tukey statistics computed from the raw rows, with a top N and its Other group', async () => {
    const spec: QuerySpec = {
      from: 'LAB',
      where: [{ column: v, op: 'notnull' }],
      groupBy: [{ column: ref('LAB', 'VISIT'), as: 'visit' }],
      measures: MEASURES,
      topN: { key: 'visit', by: 'n', n: 3, other: 'Other' },
    };
    const { result } = await engine.run(spec, study.resolve, { cacheKey: 'box' });
    const names = result.columns.map((c) => c.name);
    const got = result.rows.map((row) => Object.fromEntries(names.map((n, i) => [n, row[i]])));
    // The three largest visits (7, 6, 5), then Other (1 to 4).
    const kept = rows.filter((r) => r.v !== null);
    const groups = [
      ['VISIT 7', (r: (typeof kept)[number]) => r.visitnum === 7],
      ['VISIT 6', (r: (typeof kept)[number]) => r.visitnum === 6],
      ['VISIT 5', (r: (typeof kept)[number]) => r.visitnum === 5],
      ['Other', (r: (typeof kept)[number]) => r.visitnum < 5],
    ] as const;
    expect(got.map((g) => g.visit)).toEqual(groups.map(([label]) => label));
    for (const [i, [label, pick]] of groups.entries()) {
      const mine = kept.filter(pick);
      const box = boxOf(mine.map((r) => r.v as number));
      const flaggedBox = boxOf(mine.filter((r) => r.flag === 'Y').map((r) => r.v as number));
      const row = got[i] as Record<string, unknown>;
      expect(row.n, label).toBe(box.n);
      for (const k of ['q1', 'median', 'q3', 'p90', 'whisker_low', 'whisker_high'] as const)
        expect(row[k] as number, `${label} ${k}`).toBeCloseTo(box[k], 9);
      expect(row.outliers, label).toBe(box.outliers);
      expect(row.flagged_high as number, label).toBeCloseTo(flaggedBox.whisker_high, 9);
      expect(row.flagged_median as number, label).toBeCloseTo(flaggedBox.median, 9);
      expect(row.visit_order).toBe(Math.min(...mine.map((r) => r.visitnum)));
    }
  });

  it('a top N whose key has no more values than N: ranked groups without Other, the same rows and order', async () => {
    // 7 visits, top 7 (then 8): no visit can fall outside, so no Other row is computed; ties of `by`
    // (a constant) go by the key, as the top N's own ranking breaks them.
    for (const n of [7, 8]) {
      const spec: QuerySpec = {
        from: 'LAB',
        where: [{ column: v, op: 'notnull' }],
        groupBy: [{ column: ref('LAB', 'VISIT'), as: 'visit' }],
        measures: [...MEASURES, { op: 'count', as: 'one_per_visit', where: [{ column: v, op: 'gt', value: 1e9 }] }],
        topN: { key: 'visit', by: n === 7 ? 'n' : 'one_per_visit', n, other: 'Other' },
      };
      const { result } = await engine.run(spec, study.resolve, { cacheKey: `ranked-${n}` });
      // The ranked form once the key's 7 values are known; the top N's own form without that.
      const ranked = compileQuery(spec, study.resolve, { keyValues: () => 7 });
      expect(ranked.sql).not.toMatch(/top_keys|Other/);
      expect(ranked.sql).toMatch(/row_number\(\) OVER/);
      const own = compileQuery(spec, study.resolve);
      expect(own.sql).toMatch(/top_keys/);
      const reference = await study.rows(inline(own.sql, own.params));
      expect(result.rows).toEqual(numbers(reference));
      expect(result.rows.map((r) => r[0])).not.toContain('Other');
      expect(result.rows).toHaveLength(7);
      // The key's values were counted once for the file (by the first test's top 3), not per query.
      expect(engine.keyCounts).toBe(1);
    }
  });

  it('computes each set of values’ quartiles once: one quantile list and one value list per measured values', () => {
    const { sql } = compileQuery(
      { from: 'LAB', groupBy: [{ column: ref('LAB', 'VISIT'), as: 'visit' }], measures: MEASURES },
      study.resolve,
    );
    // Two sets of values (all, and flagged): two quantile lists, two value lists, no lone median.
    expect(sql.match(/quantile_cont\(/g)).toHaveLength(2);
    expect(sql.match(/\blist\(/g)).toHaveLength(2);
    expect(sql).not.toMatch(/\bmedian\(/);
    // The fences are columns computed once per group, which the lambdas read, not expressions of
    // the quartiles evaluated per list element.
    expect(sql.match(/ AS _s\d(lo|hi)\b/g)).toHaveLength(4);
    expect(sql).toMatch(/x -> x >= _s0lo\)/);
    expect(sql).not.toMatch(/x -> x [<>]=? \(/);
    // The file is read once.
    expect(sql.match(/read_parquet\(/g)).toHaveLength(1);
  });
});
