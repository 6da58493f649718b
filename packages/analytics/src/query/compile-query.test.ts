import type { QuerySpec } from '@cdp/contracts';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { QueryError } from '../query-error.ts';
import { compileQuery } from './compile-query.ts';
import { QueryEngine } from './query-engine.ts';
import { filter, makeStudy, ref, type TestStudy } from './test-support.ts';

let study: TestStudy;
let engine: QueryEngine;

beforeAll(async () => {
  study = await makeStudy();
  engine = new QueryEngine({ threads: 1 });
});

afterAll(async () => {
  await engine.close();
  await study.remove();
});

const count = [{ op: 'count' as const, as: 'n' }];
const ids = [{ column: ref('DM', 'USUBJID'), as: 'id' }];
const dmToAe = [{ left: ref('DM', 'USUBJID'), right: 'USUBJID' }];

function refusal(spec: QuerySpec): QueryError {
  try {
    compileQuery(spec, study.resolve);
  } catch (error) {
    if (error instanceof QueryError) return error;
    throw error;
  }
  throw new Error('the spec compiled');
}

describe('specs that cannot run are refused, naming the place at fault', () => {
  it.each<[string, QuerySpec, string, string | RegExp]>([
    [
      'an unknown dataset',
      { from: 'XX', measures: count },
      'from',
      'from: there is no dataset "XX" in this data version',
    ],
    [
      'an unknown joined dataset',
      { from: 'DM', joins: [{ dataset: 'LB', on: dmToAe }], measures: count },
      'joins[0].dataset',
      /no dataset "LB"/,
    ],
    [
      'an unknown column',
      {
        from: 'DM',
        where: [filter('DM', 'SEX', 'eq', 'F'), filter('DM', 'ARM', 'notnull'), filter('DM', 'AGEX', 'gt', 1)],
        measures: count,
      },
      'where[2].column',
      'where[2].column: no column "AGEX" in dataset DM',
    ],
    [
      'a column of a dataset outside the query',
      { from: 'DM', where: [filter('AE', 'AESER', 'eq', 'Y')], measures: count },
      'where[0].column',
      /dataset AE is not in this query/,
    ],
    [
      'an exists filter on another dataset',
      { from: 'DM', exists: [{ dataset: 'AE', on: dmToAe, where: [filter('DM', 'SEX', 'eq', 'F')] }], measures: count },
      'exists[0].where[0].column',
      /exists on AE use its own columns/,
    ],
    [
      'an unknown join key',
      { from: 'DM', joins: [{ dataset: 'AE', on: [{ left: ref('DM', 'USUBJID'), right: 'SUBJ' }] }], measures: count },
      'joins[0].on[0].right',
      /no column "SUBJ" in dataset AE/,
    ],
    [
      'join keys of different types',
      { from: 'DM', joins: [{ dataset: 'AE', on: [{ left: ref('DM', 'AGE'), right: 'USUBJID' }] }], measures: count },
      'joins[0].on[0]',
      /AGE \(number\) cannot be matched with USUBJID \(string\)/,
    ],
    [
      'a dataset joined twice',
      { from: 'DM', joins: [{ dataset: 'dm', on: dmToAe }], measures: count },
      'joins[0].dataset',
      /already in this query/,
    ],
    [
      'the mean of a text column',
      {
        from: 'DM',
        measures: [
          { op: 'count', as: 'n' },
          { op: 'mean', column: ref('DM', 'ARM'), as: 'mean_arm' },
        ],
      },
      'measures[1].column',
      'measures[1].column: the measure "mean_arm" is a mean, which needs a number column; ARM in DM is a string column',
    ],
    [
      'a distinct count without a column',
      { from: 'DM', measures: [{ op: 'count_distinct', as: 'n' }] },
      'measures[0].column',
      /needs a column/,
    ],
    [
      'a percentile without p',
      { from: 'DM', measures: [{ op: 'percentile', column: ref('DM', 'AGE'), as: 'p' }] },
      'measures[0].p',
      /needs p/,
    ],
    [
      'a filter value the column cannot hold',
      { from: 'DM', where: [filter('DM', 'AGE', 'gt', 'old')], measures: count },
      'where[0].value',
      /"old" is not a number/,
    ],
    [
      'a date that is no date',
      { from: 'DM', where: [filter('DM', 'RFSTDT', 'between', ['2024-01-01', '31/12/2024'])], measures: count },
      'where[0].value[1]',
      /is not a date/,
    ],
    [
      'eq given a list',
      { from: 'DM', where: [filter('DM', 'ARM', 'eq', ['A'])], measures: count },
      'where[0].value',
      /eq needs one value/,
    ],
    [
      'a bucket on a number column',
      { from: 'DM', groupBy: [{ column: ref('DM', 'AGE'), as: 'a', bucket: 'month' }], measures: count },
      'groupBy[0].bucket',
      /a month bucket needs a date, datetime or ISO-8601 text column; AGE in DM is a number column/,
    ],
    [
      'bins of a text column',
      { from: 'DM', groupBy: [{ column: ref('DM', 'ARM'), as: 'a', binWidth: 5 }], measures: count },
      'groupBy[0].binWidth',
      /bins need a number column/,
    ],
    [
      'an output name used twice (in any case)',
      { from: 'DM', groupBy: [{ column: ref('DM', 'ARM'), as: 'n' }], measures: [{ op: 'count', as: 'N' }] },
      'measures[0].as',
      'measures[0].as: the output name "N" is already used by groupBy[0].as',
    ],
    [
      'an order by an unknown key',
      { from: 'DM', select: ids, orderBy: [{ key: 'age', dir: 'asc' }] },
      'orderBy[0].key',
      'orderBy[0].key: no output is named "age" in this query (there are: id)',
    ],
    [
      'select with measures',
      { from: 'DM', select: ids, measures: count },
      'select',
      /either selects rows or aggregates/,
    ],
    ['nothing to return', { from: 'DM' }, 'select', /needs select, or groupBy/],
    [
      'topN without groupBy',
      { from: 'DM', measures: count, topN: { key: 'n', by: 'n', n: 3 } },
      'topN',
      /topN needs groupBy/,
    ],
    [
      'topN by an unknown measure',
      {
        from: 'DM',
        groupBy: [{ column: ref('DM', 'ARM'), as: 'arm' }],
        measures: count,
        topN: { key: 'arm', by: 'events', n: 3 },
      },
      'topN.by',
      /no measure is named "events"/,
    ],
    [
      'an unknown filter op (the schema)',
      { from: 'DM', where: [{ column: ref('DM', 'ARM'), op: 'like' as 'eq', value: 'x' }], measures: count },
      'where[0].op',
      /^where\[0\]\.op: /,
    ],
  ])('%s', (_, spec, param, message) => {
    const error = refusal(spec);
    expect(error.param).toBe(param);
    if (typeof message === 'string') expect(error.message).toBe(message);
    else expect(error.message).toMatch(message);
  });
});

describe('names and values never become SQL', () => {
  it('a column name carrying SQL is just an unknown column', () => {
    const error = refusal({ from: 'DM', where: [filter('DM', 'AGE" > 0 OR "AGE', 'gt', 1)], measures: count });
    expect(error.param).toBe('where[0].column');
  });

  it('an output name carrying SQL is refused by the schema', () => {
    const error = refusal({ from: 'DM', select: [{ column: ref('DM', 'ARM'), as: 'a" FROM x; --' }] });
    expect(error.param).toBe('select[0].as');
  });

  it('a value carrying SQL is a parameter, so it matches nothing and runs nothing', async () => {
    const attack = "x'); DROP TABLE ae; SELECT ('";
    const compiled = compileQuery(
      { from: 'AE', where: [filter('AE', 'AEDECOD', 'in', ['RASH', attack])], measures: count },
      study.resolve,
    );
    expect(compiled.sql).not.toContain('DROP');
    expect(compiled.params).toContain(attack.toUpperCase());
    const run = await engine.run(
      { from: 'AE', where: [filter('AE', 'AEDECOD', 'eq', attack)], measures: count },
      study.resolve,
      { cacheKey: 'injection' },
    );
    expect(run.result.rows).toEqual([[0]]);
  });

  it('quotes file names and stored column names that hold quotes', async () => {
    const file = await study.write(`o'brien "x".parquet`, `SELECT 1 AS "we""ird", 'a''b' AS "it's"`);
    const resolve = () => ({
      file,
      columns: [
        { name: 'we"ird', type: 'integer' },
        { name: "it's", type: 'string' },
      ],
    });
    const { result } = await engine.run(
      {
        from: 'ODD',
        where: [filter('ODD', "it's", 'eq', "a'b")],
        select: [
          { column: ref('ODD', 'we"ird'), as: 'w' },
          { column: ref('ODD', "it's"), as: 'i' },
        ],
      },
      resolve,
      { cacheKey: 'odd' },
    );
    expect(result.rows).toEqual([[1, "a'b"]]);
  });
});

describe('the compiled query', () => {
  it('reads each file through one aliased read_parquet and binds the row cap + 1', () => {
    const compiled = compileQuery(
      {
        from: 'dm',
        joins: [{ dataset: 'ae', on: dmToAe }],
        where: [filter('DM', 'SEX', 'eq', 'F')],
        measures: count,
        limit: 50,
      },
      study.resolve,
    );
    expect(compiled.sql).toContain(`read_parquet('${study.datasets.get('DM')?.file}') AS t0`);
    expect(compiled.sql).toContain(`LEFT JOIN read_parquet('${study.datasets.get('AE')?.file}') AS t1`);
    expect(compiled.sql).toContain('upper(trim(t0."SEX")) = ?');
    expect(compiled.params).toEqual(['F', 51, 0]);
    expect(compiled.limit).toBe(50);
    expect(compiled.total).toBeUndefined();
  });

  it('caps a result at 10,000 rows', () => {
    expect(compileQuery({ from: 'DM', select: ids }, study.resolve).limit).toBe(10_000);
  });

  it('a top N reads, joins and filters each file once, and both aggregations read those rows', async () => {
    // ALT by Visit read the 1,000,000-row LB twice (ranking, then the boxes): one pass now.
    const spec: QuerySpec = {
      from: 'AE',
      joins: [{ dataset: 'DM', on: [{ left: ref('AE', 'USUBJID'), right: 'USUBJID' }] }],
      where: [filter('DM', 'AGE', 'ge', 30)],
      groupBy: [
        { column: ref('AE', 'AEDECOD'), as: 'term' },
        { column: ref('DM', 'ARM'), as: 'arm' },
      ],
      measures: [
        { op: 'count_distinct', column: ref('AE', 'USUBJID'), as: 'subjects' },
        { op: 'count', as: 'serious', where: [filter('AE', 'AESER', 'eq', 'Y')] },
      ],
      topN: { key: 'term', by: 'subjects', n: 2 },
      withTotal: true,
    };
    const compiled = compileQuery(spec, study.resolve);
    expect(compiled.sql.match(/read_parquet\(/g)).toHaveLength(2);
    expect(compiled.sql).toContain('base AS MATERIALIZED');
    expect(compiled.total?.sql.match(/read_parquet\(/g)).toHaveLength(2);
    // The same numbers as a plain two-pass query written here.
    const dm = study.datasets.get('DM')?.file;
    const ae = study.datasets.get('AE')?.file;
    const rows = (await engine.run(spec, study.resolve, { cacheKey: 'top-n-once' })).result.rows;
    const reference = await study.rows(`
      WITH f AS (SELECT a.AEDECOD AS term, d.ARM AS arm, a.USUBJID AS id, a.AESER AS ser
                 FROM read_parquet('${ae}') a LEFT JOIN read_parquet('${dm}') d USING (USUBJID) WHERE d.AGE >= 30),
           top AS (SELECT term, row_number() OVER (ORDER BY count(DISTINCT id) DESC, term) AS r FROM f GROUP BY term QUALIFY r <= 2)
      SELECT CASE WHEN top.r IS NULL THEN 'Other' ELSE f.term END, f.arm, count(DISTINCT f.id)::INT,
             (count(*) FILTER (WHERE f.ser = 'Y'))::INT
      FROM f LEFT JOIN top USING (term) GROUP BY top.r, 1, 2 ORDER BY top.r IS NULL, top.r, 1, 2`);
    expect(rows).toEqual(reference);
  });
});
