import type { QuerySpec } from '@cdp/contracts';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { compileQuery } from './compile-query.ts';
import { QueryEngine } from './query-engine.ts';
import { filter, makeStudy, ref, type TestStudy } from './test-support.ts';

/*
 * Several counts of distinct values of one column in two levels (`distinctMeasures`): grouped by
 * the column first, then counted. The answers must be plain `count(DISTINCT …) FILTER (…)`'s,
 * written here in SQL of the test's own, over events with a missing subject id, a subject with
 * events under no filter, a filter that is null for some rows, and a group no filter matches.
 */

let study: TestStudy;
let engine: QueryEngine;
let ae: string;

const AE_COLUMNS = ['USUBJID', 'AEBODSYS', 'AESER', 'AESEV'].map((name) => ({ name, type: 'string' as const }));

beforeAll(async () => {
  study = await makeStudy();
  ae = await study.write(
    'ae-distinct.parquet',
    `SELECT * FROM (VALUES
      ('S01', 'NERVOUS', 'N', 'MILD'), ('S01', 'NERVOUS', 'Y', 'SEVERE'), ('S01', 'SKIN', 'N', NULL),
      ('S02', 'NERVOUS', 'N', 'MILD'), ('S02', 'NERVOUS', 'N', 'MILD'),
      ('S03', 'SKIN', NULL, 'MODERATE'), ('S03', 'GI', 'y ', 'SEVERE'),
      (NULL, 'NERVOUS', 'Y', 'SEVERE'), (NULL, 'GI', 'N', 'MILD'),
      ('S04', 'EYE', 'N', 'MILD')
    ) AS v(USUBJID, AEBODSYS, AESER, AESEV)`,
  );
  study.datasets.set('AEX', { file: ae, columns: AE_COLUMNS });
  engine = new QueryEngine({ threads: 1, keyedCopies: false, fold: false });
});
afterAll(async () => {
  await engine?.close();
  await study?.remove();
});

const subjects = (as: string, where: QuerySpec['where'] = []) => ({
  op: 'count_distinct' as const,
  column: ref('AEX', 'USUBJID'),
  as,
  where,
});

const spec = (grouped: boolean, where: QuerySpec['where'] = []): QuerySpec => ({
  from: 'AEX',
  where,
  groupBy: grouped ? [{ column: ref('AEX', 'AEBODSYS'), as: 'soc' }] : [],
  measures: [
    { op: 'count', as: 'events' },
    subjects('subjects'),
    { op: 'count', as: 'serious_events', where: [filter('AEX', 'AESER', 'eq', 'Y')] },
    subjects('serious', [filter('AEX', 'AESER', 'eq', 'Y')]),
    subjects('severe', [filter('AEX', 'AESEV', 'eq', 'SEVERE')]),
    { op: 'count', column: ref('AEX', 'AESEV'), as: 'with_severity' },
    { op: 'max', column: ref('AEX', 'AESEV'), as: 'worst_name', where: [filter('AEX', 'AESER', 'eq', 'N')] },
  ],
  orderBy: grouped ? [{ key: 'soc', dir: 'asc' }] : [],
});

/** The same numbers as plain SQL over the file. */
const reference = (grouped: boolean, where = 'TRUE') =>
  study.rows(
    `SELECT ${grouped ? 'AEBODSYS, ' : ''}count(*), count(DISTINCT USUBJID),
       count(*) FILTER (WHERE upper(trim(AESER)) = 'Y'),
       count(DISTINCT USUBJID) FILTER (WHERE upper(trim(AESER)) = 'Y'),
       count(DISTINCT USUBJID) FILTER (WHERE upper(trim(AESEV)) = 'SEVERE'),
       count(AESEV),
       max(AESEV) FILTER (WHERE upper(trim(AESER)) = 'N')
     FROM read_parquet('${ae}') WHERE ${where}${grouped ? ' GROUP BY 1 ORDER BY 1' : ''}`,
  );

const numbers = (rows: readonly (readonly unknown[])[]) =>
  rows.map((row) => row.map((v) => (typeof v === 'string' && /^\d+$/.test(v) ? Number(v) : v)));

let runs = 0;
const answer = async (query: QuerySpec) =>
  (await engine.run(query, study.resolve, { cacheKey: `v${++runs}` })).result.rows;

describe('distinct counts of one column in two levels', () => {
  it('compile to one grouping by the column, not one count(DISTINCT) each', () => {
    const { sql } = compileQuery(spec(true), study.resolve);
    expect(sql).not.toMatch(/count\(DISTINCT/);
    expect(sql).toMatch(/t0\."USUBJID" AS _k/);
    expect(sql.match(/bool_or\(/g)).toHaveLength(2);
  });

  it('equal plain count(DISTINCT) FILTER, grouped and not, with missing ids and null filters', async () => {
    for (const grouped of [true, false]) {
      const got = await answer(spec(grouped));
      expect(got).toEqual(numbers(await reference(grouped)));
      expect(got.length).toBeGreaterThan(0);
    }
    // Ungrouped over rows the filter leaves none of: zeros and nulls, as the plain form gives.
    const none = [filter('AEX', 'AEBODSYS', 'eq', 'NONE')];
    expect(await answer(spec(false, none))).toEqual([[0, 0, 0, 0, 0, 0, null]]);
    expect(numbers(await reference(false, `AEBODSYS = 'NONE'`))).toEqual([[0, 0, 0, 0, 0, 0, null]]);
  });

  it('keep the plain form for one distinct count, or counts of two columns, or an average', () => {
    const one = compileQuery({ from: 'AEX', measures: [subjects('n'), { op: 'count', as: 'e' }] }, study.resolve);
    expect(one.sql).toMatch(/count\(DISTINCT t0\."USUBJID"\)/);
    const two = compileQuery(
      {
        from: 'AEX',
        measures: [subjects('n'), { op: 'count_distinct', column: ref('AEX', 'AEBODSYS'), as: 'socs' }],
      },
      study.resolve,
    );
    expect(two.sql.match(/count\(DISTINCT/g)).toHaveLength(2);
    const mean = compileQuery(
      {
        from: 'DM',
        measures: [
          { op: 'count_distinct', column: ref('DM', 'ARM'), as: 'a' },
          { op: 'count_distinct', column: ref('DM', 'ARM'), as: 'b', where: [filter('DM', 'SEX', 'eq', 'F')] },
          { op: 'mean', column: ref('DM', 'AGE'), as: 'age' },
        ],
      },
      study.resolve,
    );
    expect(mean.sql.match(/count\(DISTINCT/g)).toHaveLength(2);
  });
});
