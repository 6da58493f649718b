import type { QueryFilter, QuerySpec } from '@cdp/contracts';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { StoredDataset } from '../dataset-store.ts';
import { QueryEngine } from './query-engine.ts';
import type { DatasetResolver } from './query-scope.ts';
import { filter, makeStudy, ref, type TestStudy } from './test-support.ts';

/*
 * Counts summed from partials (`subject-partials.ts`): a count filtered by a whole-number range on
 * the subject dataset is answered from one partial per spec without the range, grouped by the ranged
 * column. The answers must be those of an engine that runs each spec itself, and of plain SQL written
 * here, for every filter state; where a sum could differ (a subject id that repeats in DM, a bound
 * that is not a whole number, a median, a datetime group) the spec is answered by its own query.
 */

let study: TestStudy;
let summed: QueryEngine;
let direct: QueryEngine;
let resolve: DatasetResolver;
let dmFile: string;
let aeFile: string;

/** 60 subjects over 3 sites and 3 arms, ages 20–79 with some missing and some not whole; AE with ids DM lacks. */
const DM_SQL = `SELECT 'S' || lpad(CAST(i AS VARCHAR), 3, '0') AS USUBJID,
    CASE i % 4 WHEN 0 THEN 'Placebo' WHEN 1 THEN 'Drug' WHEN 2 THEN 'drug ' ELSE NULL END AS ARM,
    CAST(100 + i % 3 AS VARCHAR) AS SITEID,
    CASE WHEN i % 11 = 0 THEN NULL WHEN i % 7 = 0 THEN 20 + i % 60 + 0.5 ELSE CAST(20 + (i * 37) % 60 AS DOUBLE) END AS AGE,
    CASE WHEN i % 5 = 0 THEN NULL ELSE strftime(DATE '2024-01-01' + INTERVAL (i * 9) DAY, '%Y-%m-%d') END AS RFSTDTC,
    CAST(TIMESTAMP '2024-01-01 08:00:00' + INTERVAL (i) HOUR AS TIMESTAMP) AS RFXSTDTM
  FROM range(1, 61) AS r(i)`;
const AE_SQL = `SELECT CASE WHEN i % 13 = 0 THEN NULL WHEN i % 17 = 0 THEN 'X' || CAST(i AS VARCHAR)
      ELSE 'S' || lpad(CAST(1 + (i * 7) % 60 AS VARCHAR), 3, '0') END AS USUBJID,
    CASE i % 8 WHEN 0 THEN 'SKIN' WHEN 1 THEN 'NERVOUS SYSTEM' WHEN 2 THEN 'GASTROINTESTINAL' WHEN 3 THEN NULL
      WHEN 4 THEN 'Other' WHEN 5 THEN 'EYE' ELSE 'CARDIAC' END AS AEBODSYS,
    CASE WHEN i % 3 = 0 THEN 'Y' ELSE 'n' END AS AESER,
    strftime(DATE '2024-02-01' + INTERVAL (i * 5) DAY, '%Y-%m-%d') AS AESTDTC
  FROM range(1, 181) AS r(i)`;
const DM_COLUMNS = [
  { name: 'USUBJID', type: 'string' },
  { name: 'ARM', type: 'string' },
  { name: 'SITEID', type: 'string' },
  { name: 'AGE', type: 'number' },
  { name: 'RFSTDTC', type: 'string' },
  { name: 'RFXSTDTM', type: 'datetime' },
] as const;
const AE_COLUMNS = ['USUBJID', 'AEBODSYS', 'AESER', 'AESTDTC'].map((name) => ({ name, type: 'string' as const }));
const JOINED_DM = [{ dataset: 'DM', kind: 'left' as const, on: [{ left: ref('AE', 'USUBJID'), right: 'USUBJID' }] }];

/** The Overview's count shapes, each under the page's filters `page`. */
function specs(page: QueryFilter[]): Record<string, QuerySpec> {
  return {
    subjects: {
      from: 'DM',
      where: page,
      measures: [{ op: 'count_distinct', column: ref('DM', 'USUBJID'), as: 'subjects' }],
    },
    bySiteAndArm: {
      from: 'DM',
      where: [...page, filter('DM', 'ARM', 'nin', ['Placebo'])],
      groupBy: [
        { column: ref('DM', 'SITEID'), as: 'site' },
        { column: ref('DM', 'ARM'), as: 'arm' },
      ],
      measures: [
        { op: 'count_distinct', column: ref('DM', 'USUBJID'), as: 'screened' },
        { op: 'count', column: ref('DM', 'RFSTDTC'), as: 'started' },
        { op: 'count_distinct', column: ref('DM', 'USUBJID'), as: 'drug', where: [filter('DM', 'ARM', 'eq', 'DRUG')] },
      ],
      orderBy: [{ key: 'site', dir: 'desc' }],
    },
    byMonth: {
      from: 'DM',
      where: page,
      groupBy: [{ column: ref('DM', 'RFSTDTC'), as: 'period', bucket: 'month' }],
      measures: [{ op: 'count_distinct', column: ref('DM', 'USUBJID'), as: 'subjects' }],
    },
    eventsByBodySystem: {
      from: 'AE',
      joins: JOINED_DM,
      where: page.map((f) => ({ ...f })),
      groupBy: [{ column: ref('AE', 'AEBODSYS'), as: 'soc' }],
      measures: [
        { op: 'count', as: 'events' },
        { op: 'count_distinct', column: ref('AE', 'USUBJID'), as: 'subjects' },
        {
          op: 'count_distinct',
          column: ref('AE', 'USUBJID'),
          as: 'serious',
          where: [filter('AE', 'AESER', 'in', ['Y'])],
        },
      ],
    },
    seriousTrend: {
      from: 'AE',
      joins: JOINED_DM,
      where: [...page, filter('AE', 'AESER', 'in', ['y'])],
      groupBy: [{ column: ref('AE', 'AESTDTC'), as: 'period', bucket: 'month' }],
      measures: [{ op: 'count', as: 'value' }],
    },
    topBodySystems: {
      from: 'AE',
      joins: JOINED_DM,
      where: page,
      groupBy: [{ column: ref('AE', 'AEBODSYS'), as: 'category' }],
      measures: [{ op: 'count', as: 'value' }],
      topN: { key: 'category', by: 'value', n: 3, other: 'Other', keysInOther: 'others' },
    },
    topBodySystemsBySeriousness: {
      from: 'AE',
      joins: JOINED_DM,
      where: page,
      groupBy: [
        { column: ref('AE', 'AESER'), as: 'series' },
        { column: ref('AE', 'AEBODSYS'), as: 'category' },
      ],
      measures: [
        { op: 'count', as: 'events' },
        { op: 'count', column: ref('AE', 'AESTDTC'), as: 'dated', where: [filter('AE', 'AESER', 'eq', 'y')] },
      ],
      orderBy: [{ key: 'series', dir: 'desc' }],
      topN: { key: 'category', by: 'dated', n: 2, other: 'Other', keysInOther: 'others' },
    },
    sitesWithSeriousEvents: {
      from: 'DM',
      where: page,
      exists: [
        {
          dataset: 'AE',
          on: [{ left: ref('DM', 'USUBJID'), right: 'USUBJID' }],
          where: [filter('AE', 'AESER', 'eq', 'Y')],
        },
      ],
      groupBy: [{ column: ref('DM', 'SITEID'), as: 'site' }],
      measures: [{ op: 'count_distinct', column: ref('DM', 'USUBJID'), as: 'subjects' }],
    },
  };
}

const age = (op: QueryFilter['op'], value: QueryFilter['value']) => filter('DM', 'AGE', op, value);
/** Page filter states: ranges, open-ended, one age, nothing matching, and two ranges on one column. */
const PAGES: Record<string, QueryFilter[]> = {
  '30–50': [age('ge', 30), age('le', 50)],
  '>40': [age('gt', 40)],
  '<35': [age('lt', 35)],
  'between 25 and 60': [age('between', [25, 60])],
  'between open low': [age('between', [null, 44])],
  'exactly 57': [age('eq', 57)],
  none: [age('ge', 90)],
  'two ranges': [age('ge', 20), age('le', 70), age('ge', 33), age('le', 66)],
};

beforeAll(async () => {
  study = await makeStudy();
  dmFile = await study.write('dm-partials.parquet', DM_SQL);
  aeFile = await study.write('ae-partials.parquet', AE_SQL);
  const datasets = new Map<string, StoredDataset>([
    ['DM', { file: dmFile, columns: DM_COLUMNS.map((c) => ({ ...c })), rows: 60 }],
    ['AE', { file: aeFile, columns: AE_COLUMNS, rows: 180 }],
  ]);
  resolve = (name) => datasets.get(name.toUpperCase());
  summed = new QueryEngine({ threads: 1 });
  direct = new QueryEngine({ threads: 1, partials: false });
});
afterAll(async () => {
  await summed?.close();
  await direct?.close();
  await study?.remove();
});

/** Plain SQL's counts (bigints as text) as numbers, from column `from` on. */
const numbers = (rows: readonly (readonly unknown[])[], from = 0) =>
  rows.map((row) => row.map((v, i) => (i >= from && typeof v === 'string' && /^\d+$/.test(v) ? Number(v) : v)));

describe('counts summed from partials', () => {
  it('answer every count shape under every filter state as its own query does, from one partial per shape', async () => {
    const queriesBefore = summed.queriesRun;
    for (const [state, page] of Object.entries(PAGES)) {
      for (const [name, spec] of Object.entries(specs(page))) {
        const { result } = await summed.run(spec, resolve, { cacheKey: 'v1' });
        const { result: own } = await direct.run(spec, resolve, { cacheKey: 'v1' });
        expect(result, `${name}, ${state}`).toEqual(own);
      }
    }
    const shapes = Object.keys(specs([])).length;
    expect(summed.partialAnswers).toBe(shapes * Object.keys(PAGES).length);
    // One partial per shape (and DM's id checked once), against one query per shape and state.
    expect(summed.queriesRun - queriesBefore).toBeLessThanOrEqual(shapes + 1);
    expect(direct.queriesRun).toBeGreaterThanOrEqual(shapes * Object.keys(PAGES).length);
    // Kept apart from the answers: a cache of one answer does not push the partials out (a burst of
    // pages fills the answers' cache many times over).
    const small = new QueryEngine({ threads: 1, cacheEntries: 1 });
    try {
      for (const [state, page] of Object.entries(PAGES)) {
        for (const [name, spec] of Object.entries(specs(page))) {
          const { result } = await small.run(spec, resolve, { cacheKey: 'v1' });
          expect(result, `${name}, ${state}, small cache`).toEqual(
            (await direct.run(spec, resolve, { cacheKey: 'v1' })).result,
          );
        }
      }
      expect(small.queriesRun).toBeLessThanOrEqual(shapes + 1);
    } finally {
      await small.close();
    }
  });

  it('equal plain SQL written here', async () => {
    const page = PAGES['30–50'] ?? [];
    const all = specs(page);
    const { result: events } = await summed.run(all.eventsByBodySystem as QuerySpec, resolve, { cacheKey: 'v1' });
    expect(events.rows).toEqual(
      numbers(
        await study.rows(
          `SELECT ae.AEBODSYS, count(*), count(DISTINCT ae.USUBJID), count(DISTINCT ae.USUBJID) FILTER (WHERE upper(trim(ae.AESER)) = 'Y')
           FROM read_parquet('${aeFile}') ae LEFT JOIN read_parquet('${dmFile}') dm ON ae.USUBJID = dm.USUBJID
           WHERE dm.AGE >= 30 AND dm.AGE <= 50 GROUP BY 1 ORDER BY 1`,
        ),
        1,
      ),
    );
    const { result: sites } = await summed.run(all.bySiteAndArm as QuerySpec, resolve, { cacheKey: 'v1' });
    expect(sites.rows).toEqual(
      numbers(
        await study.rows(
          `SELECT SITEID, ARM, count(DISTINCT USUBJID), count(RFSTDTC), count(DISTINCT USUBJID) FILTER (WHERE upper(trim(ARM)) = 'DRUG')
           FROM read_parquet('${dmFile}') WHERE AGE >= 30 AND AGE <= 50 AND NOT coalesce(upper(trim(ARM)) IN ('PLACEBO'), FALSE)
           GROUP BY 1, 2 ORDER BY 1 DESC, 2 NULLS LAST`,
        ),
        2,
      ),
    );
    // Top 3 body systems by events, the rest as Other (a real "Other" key kept apart), Other last.
    const { result: top } = await summed.run(all.topBodySystems as QuerySpec, resolve, { cacheKey: 'v1' });
    const perKey = numbers(
      await study.rows(
        `SELECT ae.AEBODSYS, count(*) AS n FROM read_parquet('${aeFile}') ae
         LEFT JOIN read_parquet('${dmFile}') dm ON ae.USUBJID = dm.USUBJID
         WHERE dm.AGE >= 30 AND dm.AGE <= 50 GROUP BY 1 ORDER BY 2 DESC, 1 ASC NULLS LAST`,
      ),
      1,
    ) as Array<[string | null, number]>;
    const rest = perKey.slice(3).reduce((sum, [, n]) => sum + n, 0);
    // With the number of keys Other merges on its row (null on the kept keys' rows).
    expect(top.rows).toEqual([
      ...perKey.slice(0, 3).map((row) => [...row, null]),
      ...(rest > 0 ? [['Other', rest, perKey.length - 3]] : []),
    ]);
    expect(perKey.length).toBeGreaterThan(3);
    const { result: none } = await summed.run(specs(PAGES.none ?? []).subjects as QuerySpec, resolve, {
      cacheKey: 'v1',
    });
    expect(none.rows).toEqual([[0]]);
    const { result: noGroups } = await summed.run(specs(PAGES.none ?? []).byMonth as QuerySpec, resolve, {
      cacheKey: 'v1',
    });
    expect(noGroups.rows).toEqual([]);
  });

  it('answer by their own query where a sum could differ, with the same answers', async () => {
    const fresh = new QueryEngine({ threads: 1 });
    try {
      // DM with a repeated subject id (another age): its distinct counts are not sums over ages.
      const dupFile = await study.write(
        'dm-dup.parquet',
        `SELECT * FROM read_parquet('${dmFile}') UNION ALL SELECT 'S002', 'Drug', '101', 71.0, NULL, NULL`,
      );
      const dup = new Map<string, StoredDataset>([
        ['DM', { file: dupFile, columns: DM_COLUMNS.map((c) => ({ ...c })), rows: 61 }],
        ['AE', { file: aeFile, columns: AE_COLUMNS, rows: 180 }],
      ]);
      const dupResolve: DatasetResolver = (name) => dup.get(name.toUpperCase());
      const page = PAGES['30–50'] ?? [];
      const refused: Array<[string, QuerySpec, DatasetResolver]> = [
        ['repeated id, join', specs(page).eventsByBodySystem as QuerySpec, dupResolve],
        ['repeated id, DM', specs(page).subjects as QuerySpec, dupResolve],
        ['a bound not whole', specs([age('ge', 30.5)]).subjects as QuerySpec, resolve],
        [
          'a top N of subjects (Other is not a sum)',
          {
            ...(specs(page).topBodySystems as QuerySpec),
            measures: [{ op: 'count_distinct', column: ref('AE', 'USUBJID'), as: 'value' }],
          },
          resolve,
        ],
        [
          'a median',
          {
            from: 'DM',
            where: page,
            measures: [{ op: 'median', column: ref('DM', 'AGE'), as: 'm' }],
          },
          resolve,
        ],
        [
          'a datetime group',
          {
            from: 'DM',
            where: page,
            groupBy: [{ column: ref('DM', 'RFXSTDTM'), as: 'at' }],
            measures: [{ op: 'count', as: 'n' }],
          },
          resolve,
        ],
      ];
      for (const [name, spec, datasets] of refused) {
        const cacheKey = datasets === dupResolve ? 'dup' : 'v1';
        const { result } = await fresh.run(spec, datasets, { cacheKey });
        const { result: own } = await direct.run(spec, datasets, { cacheKey });
        expect(result, name).toEqual(own);
      }
      expect(fresh.partialAnswers).toBe(0);
      // The repeated id counted once, at 71: outside 30–50, so S002 is in only when its DM age is.
      const { result: plainDup } = await fresh.run(specs(page).subjects as QuerySpec, dupResolve, { cacheKey: 'dup' });
      expect(plainDup.rows).toEqual(
        numbers(
          await study.rows(
            `SELECT count(DISTINCT USUBJID) FROM read_parquet('${dupFile}') WHERE AGE >= 30 AND AGE <= 50`,
          ),
        ),
      );
    } finally {
      await fresh.close();
    }
  });

  it("keep another organization's data and a masked reader's apart", async () => {
    const fresh = new QueryEngine({ threads: 1 });
    try {
      // Another organization: other files (DM ages shifted by 10), other cache key; its own partials and answers.
      const otherDm = await study.write(
        'other-dm.parquet',
        `SELECT USUBJID, ARM, SITEID, AGE + 10 AS AGE, RFSTDTC, RFXSTDTM FROM read_parquet('${dmFile}')`,
      );
      const other = new Map<string, StoredDataset>([
        ['DM', { file: otherDm, columns: DM_COLUMNS.map((c) => ({ ...c })), rows: 60 }],
        ['AE', { file: aeFile, columns: AE_COLUMNS, rows: 180 }],
      ]);
      const otherResolve: DatasetResolver = (name) => other.get(name.toUpperCase());
      const page = PAGES['30–50'] ?? [];
      for (const [name, spec] of Object.entries(specs(page))) {
        const mine = await fresh.run(spec, resolve, { cacheKey: 'v1' });
        const theirs = await fresh.run(spec, otherResolve, { cacheKey: 'other' });
        expect(mine.result, name).toEqual((await direct.run(spec, resolve, { cacheKey: 'v1' })).result);
        expect(theirs.result, name).toEqual((await direct.run(spec, otherResolve, { cacheKey: 'other' })).result);
      }
      const { result: a } = await fresh.run(specs(page).subjects as QuerySpec, resolve, { cacheKey: 'v1' });
      const { result: b } = await fresh.run(specs(page).subjects as QuerySpec, otherResolve, { cacheKey: 'other' });
      expect(a.rows).not.toEqual(b.rows);
      // A reader who sees AGE masked: the range is refused as it is without partials, and no partial is used.
      const masked = new Map<string, StoredDataset>([
        [
          'DM',
          { file: dmFile, columns: DM_COLUMNS.map((c) => (c.name === 'AGE' ? { ...c, masked: true } : { ...c })) },
        ],
        ['AE', { file: aeFile, columns: AE_COLUMNS }],
      ]);
      const maskedResolve: DatasetResolver = (name) => masked.get(name.toUpperCase());
      const used = fresh.partialAnswers;
      const refusal = await fresh
        .run(specs(page).subjects as QuerySpec, maskedResolve, { cacheKey: 'v1' })
        .catch((e) => e);
      const own = await direct
        .run(specs(page).subjects as QuerySpec, maskedResolve, { cacheKey: 'v1' })
        .catch((e) => e);
      expect(refusal).toBeInstanceOf(Error);
      expect(String(refusal)).toBe(String(own));
      expect(fresh.partialAnswers).toBe(used);
      // A reader of PHI in clear (every read noted): never from a partial, each read noted.
      const reads: string[] = [];
      const clear = new Map<string, StoredDataset>([
        ['DM', { file: dmFile, columns: DM_COLUMNS.map((c) => ({ ...c })), onRead: () => reads.push('DM') }],
        ['AE', { file: aeFile, columns: AE_COLUMNS }],
      ]);
      const { result: clearResult } = await fresh.run(
        specs(page).subjects as QuerySpec,
        (n) => clear.get(n.toUpperCase()),
        {
          cacheKey: 'v1',
        },
      );
      expect(clearResult).toEqual(a);
      expect(fresh.partialAnswers).toBe(used);
      expect(reads.length).toBeGreaterThan(0);
    } finally {
      await fresh.close();
    }
  });
});
