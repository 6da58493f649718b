import type { QuerySpec } from '@cdp/contracts';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { StoredDataset } from '../dataset-store.ts';
import { QueryEngine } from './query-engine.ts';
import type { DatasetResolver } from './query-scope.ts';
import { filter, makeStudy, ref, type TestStudy } from './test-support.ts';

/*
 * Keyed copies (`keyed-copies.ts`): small datasets read from in-memory copies whose subject ids
 * are matched and counted by an integer key. The answers must be those of the files read as
 * before, and of plain SQL written here; ids that differ only by a trailing blank or by case, and
 * missing ids, must stay apart exactly as text equality keeps them. A masked id gets no key, and a
 * reader of PHI in clear is never served from a copy.
 */

let study: TestStudy;
let keyed: QueryEngine;
let plain: QueryEngine;
let resolve: DatasetResolver;
let aeFile: string;
let dmFile: string;

const JOINED_DM = [{ dataset: 'DM', kind: 'left' as const, on: [{ left: ref('AE', 'USUBJID'), right: 'USUBJID' }] }];

/** The widgets' shapes over AE and DM: a join with a distinct count, a top N, semi- and anti-joins. */
const SPECS: Record<string, QuerySpec> = {
  subjectsByBodySystem: {
    from: 'AE',
    joins: JOINED_DM,
    where: [filter('DM', 'AGE', 'ge', 30)],
    groupBy: [{ column: ref('AE', 'AEBODSYS'), as: 'soc' }],
    measures: [
      { op: 'count', as: 'events' },
      { op: 'count_distinct', column: ref('AE', 'USUBJID'), as: 'subjects' },
      { op: 'count_distinct', column: ref('DM', 'USUBJID'), as: 'matched' },
    ],
    orderBy: [{ key: 'soc', dir: 'asc' }],
  },
  topTermsByArm: {
    from: 'AE',
    joins: JOINED_DM,
    groupBy: [
      { column: ref('AE', 'AEDECOD'), as: 'term' },
      { column: ref('DM', 'ARM'), as: 'arm' },
    ],
    measures: [{ op: 'count_distinct', column: ref('AE', 'USUBJID'), as: 'subjects' }],
    topN: { key: 'term', by: 'subjects', n: 2, other: 'Other' },
  },
  sitesWithSeriousEvents: {
    from: 'DM',
    exists: [
      {
        dataset: 'AE',
        on: [{ left: ref('DM', 'USUBJID'), right: 'USUBJID' }],
        where: [filter('AE', 'AESER', 'eq', 'y')],
      },
    ],
    groupBy: [{ column: ref('DM', 'SITEID'), as: 'site' }],
    measures: [{ op: 'count_distinct', column: ref('DM', 'USUBJID'), as: 'subjects' }],
    orderBy: [{ key: 'site', dir: 'asc' }],
  },
  subjectsWithoutEvents: {
    from: 'DM',
    exists: [{ dataset: 'AE', negate: true, on: [{ left: ref('DM', 'USUBJID'), right: 'USUBJID' }] }],
    measures: [{ op: 'count', as: 'subjects' }],
  },
  eventsBySubject: {
    from: 'AE',
    measures: [
      { op: 'count', as: 'events' },
      { op: 'count_distinct', column: ref('AE', 'USUBJID'), as: 'subjects' },
      { op: 'count_distinct', column: ref('AE', 'USUBJID'), as: 'serious', where: [filter('AE', 'AESER', 'eq', 'Y')] },
    ],
  },
};

// Partials (subject-partials.ts, tested apart) off: each query here must read through the copies it counts.
beforeAll(async () => {
  study = await makeStudy();
  const dm = study.datasets.get('DM') as StoredDataset;
  const ae = study.datasets.get('AE') as StoredDataset;
  dmFile = dm.file;
  // Ids a text comparison keeps apart from S01 and S02 (a trailing blank, lower case), and a missing one.
  aeFile = await study.write(
    'ae-ids.parquet',
    `SELECT * FROM read_parquet('${ae.file}') UNION ALL SELECT * FROM (VALUES
      ('S01 ', 'HEADACHE', 'NERVOUS SYSTEM', 'Y', '2024-01-10'),
      ('s02', 'RASH', 'SKIN', 'N', '2024-01-11'),
      (NULL, 'NAUSEA', 'GASTROINTESTINAL', 'Y', '2024-01-12')
    ) AS v(USUBJID, AEDECOD, AEBODSYS, AESER, AESTDTC)`,
  );
  // Row counts known (as the server's are): both are small enough to be copied.
  const datasets = new Map<string, StoredDataset>([
    ['DM', { ...dm, rows: 6 }],
    ['AE', { ...ae, file: aeFile, rows: 12 }],
  ]);
  resolve = (name) => datasets.get(name.toUpperCase());
  keyed = new QueryEngine({ threads: 1, partials: false });
  plain = new QueryEngine({ threads: 1, keyedCopies: false, partials: false });
});
afterAll(async () => {
  await keyed?.close();
  await plain?.close();
  await study?.remove();
});

const numbers = (rows: readonly (readonly unknown[])[]) =>
  rows.map((row) => row.map((v) => (typeof v === 'string' && /^\d+$/.test(v) ? Number(v) : v)));

describe('keyed copies of small datasets', () => {
  it('answer every shape as the files do, through integer keys', async () => {
    for (const [name, spec] of Object.entries(SPECS)) {
      const { result } = await keyed.run(spec, resolve, { cacheKey: 'v1' });
      const { result: files } = await plain.run(spec, resolve, { cacheKey: 'v1' });
      expect(result, name).toEqual(files);
    }
    expect(keyed.keyedCopyReads.keyed).toBe(Object.keys(SPECS).length);
    expect(plain.keyedCopyReads).toEqual({ copies: 0, keyed: 0, filtered: 0, filteredFrom: 0 });
    // Two copies (DM, AE), each made once, and AE's serious rows for the semi-join with a filter.
    expect(keyed.baseTables.tables).toBe(3);
    expect(keyed.keyedCopyReads.filtered).toBe(1);
  });

  it('keep ids apart that text equality keeps apart (plain SQL written here)', async () => {
    const { result } = await keyed.run(SPECS.subjectsByBodySystem as QuerySpec, resolve, { cacheKey: 'v1' });
    const expected = await study.rows(
      `SELECT ae.AEBODSYS, count(*), count(DISTINCT ae.USUBJID), count(DISTINCT dm.USUBJID)
       FROM read_parquet('${aeFile}') ae LEFT JOIN read_parquet('${dmFile}') dm ON ae.USUBJID = dm.USUBJID
       WHERE dm.AGE >= 30 GROUP BY 1 ORDER BY 1`,
    );
    expect(result.rows).toEqual(numbers(expected));
    const { result: all } = await keyed.run(SPECS.eventsBySubject as QuerySpec, resolve, { cacheKey: 'v1' });
    // 12 events; S01..S05 and the two look-alikes are 7 subjects (the missing id is none); serious:
    // S02, S03 and "S01 ".
    expect(all.rows).toEqual([[12, 7, 3]]);
    const { result: none } = await keyed.run(SPECS.subjectsWithoutEvents as QuerySpec, resolve, { cacheKey: 'v1' });
    // S06 only: "S01 " and "s02" are not S01 and S02.
    expect(none.rows).toEqual([[1]]);
  });

  it("read a semi-join's own filters from one filtered copy, for every filter state (plain SQL written here)", async () => {
    const fresh = new QueryEngine({ threads: 1, partials: false });
    try {
      /** Subjects per site with (or without) a serious event, under the page's filters on DM. */
      const spec = (negate: boolean, where: QuerySpec['where']): QuerySpec => ({
        from: 'DM',
        where,
        exists: [
          {
            dataset: 'AE',
            negate,
            on: [{ left: ref('DM', 'USUBJID'), right: 'USUBJID' }],
            where: [filter('AE', 'AESER', 'eq', ' y')],
          },
        ],
        groupBy: [{ column: ref('DM', 'SITEID'), as: 'site' }],
        measures: [{ op: 'count', as: 'subjects' }],
        orderBy: [{ key: 'site', dir: 'asc' }],
      });
      const states: Array<[QuerySpec['where'], string]> = [
        [[], 'TRUE'],
        [[filter('DM', 'AGE', 'ge', 30)], 'AGE >= 30'],
        [[filter('DM', 'AGE', 'lt', 50)], 'AGE < 50'],
      ];
      for (const negate of [false, true]) {
        for (const [where, condition] of states) {
          const { result } = await fresh.run(spec(negate, where), resolve, { cacheKey: 'v1' });
          const { result: files } = await plain.run(spec(negate, where), resolve, { cacheKey: 'v1' });
          expect(result, `${negate} ${condition}`).toEqual(files);
          const serious = `SELECT USUBJID FROM read_parquet('${aeFile}') WHERE upper(trim(AESER)) = 'Y'`;
          const matched = `coalesce(USUBJID IN (${serious}), FALSE)`;
          const expected = await study.rows(
            `SELECT SITEID, count(*) FROM read_parquet('${dmFile}')
             WHERE ${condition} AND ${negate ? `NOT ${matched}` : matched} GROUP BY 1 ORDER BY 1`,
          );
          expect(result.rows, `${negate} ${condition}`).toEqual(expected.map(([site, n]) => [site, Number(n)]));
        }
      }
      // S02 and S03 have serious events ("S01 " is not S01; the one without an id matches no one).
      const { result: all } = await fresh.run(spec(false, []), resolve, { cacheKey: 'v1' });
      expect(all.rows).toEqual([
        ['101', 1],
        ['102', 1],
      ]);
      // Six queries, one filtered copy: DM, AE and AE's serious rows, each made once, every query keyed.
      expect(fresh.keyedCopyReads).toEqual({ copies: 6, keyed: 6, filtered: 6, filteredFrom: 0 });
      expect(fresh.baseTables.tables).toBe(3);

      // Another organization's data (its own version and file, no serious event) gets copies of its own.
      const otherAe = await study.write(
        'ae-other.parquet',
        `SELECT USUBJID, AEDECOD, AEBODSYS, 'N' AS AESER, AESTDTC FROM read_parquet('${aeFile}')`,
      );
      const other = new Map<string, StoredDataset>([
        ['DM', resolve('DM') as StoredDataset],
        ['AE', { ...(resolve('AE') as StoredDataset), file: otherAe }],
      ]);
      const { result: none } = await fresh.run(spec(false, []), (name) => other.get(name.toUpperCase()), {
        cacheKey: 'v2',
      });
      expect(none.rows).toEqual([]);
      expect(fresh.baseTables.tables).toBe(6);

      // A reader who sees subject ids masked: copies of their own (DM, AE and AE's serious rows as
      // they see them), never the clear reader's; every id reads as the mask, so every subject matches.
      const maskId = (d: StoredDataset): StoredDataset => ({
        ...d,
        columns: d.columns.map((c) => (c.name === 'USUBJID' ? { ...c, masked: true } : c)),
      });
      const maskedIds = new Map([
        ['DM', maskId(resolve('DM') as StoredDataset)],
        ['AE', maskId(resolve('AE') as StoredDataset)],
      ]);
      const { result: maskedResult } = await fresh.run(spec(false, []), (name) => maskedIds.get(name.toUpperCase()), {
        cacheKey: 'v1',
      });
      const { result: maskedFiles } = await plain.run(spec(false, []), (name) => maskedIds.get(name.toUpperCase()), {
        cacheKey: 'v1',
      });
      expect(maskedResult).toEqual(maskedFiles);
      expect(maskedResult.rows).toEqual([
        ['101', 2],
        ['102', 2],
        ['103', 2],
      ]);
      expect(fresh.baseTables.tables).toBe(9);
      expect(fresh.keyedCopyReads.filtered).toBe(8);

      // A reader who sees the filtered column masked: the filter is refused as over the files, naming
      // the column, and no filtered copy is made for them.
      const maskedAe: StoredDataset = {
        ...(resolve('AE') as StoredDataset),
        columns: (resolve('AE') as StoredDataset).columns.map((c) => (c.name === 'AESER' ? { ...c, masked: true } : c)),
      };
      const masked: DatasetResolver = (name) => (name.toUpperCase() === 'AE' ? maskedAe : resolve(name));
      const refused = await fresh.run(spec(false, []), masked, { cacheKey: 'v1' }).then(
        () => null,
        (e: unknown) => e,
      );
      const refusedFiles = await plain.run(spec(false, []), masked, { cacheKey: 'v1' }).then(
        () => null,
        (e: unknown) => e,
      );
      expect(refused).toBeInstanceOf(Error);
      expect((refused as Error).message).toMatch(/AESER/);
      expect((refused as Error).message).toBe((refusedFiles as Error).message);
      expect(fresh.keyedCopyReads.filtered).toBe(8);

      // A semi-join filter that keeps most rows (every event has a seriousness) is not worth a second
      // copy: refused once (that query reads the files), then the semi-join reads the whole copy.
      const everyEvent = (age: number): QuerySpec => ({
        ...spec(false, [filter('DM', 'AGE', 'ge', age)]),
        exists: [
          {
            dataset: 'AE',
            on: [{ left: ref('DM', 'USUBJID'), right: 'USUBJID' }],
            where: [filter('AE', 'AESER', 'notnull')],
          },
        ],
      });
      const copiesBefore = fresh.keyedCopyReads.copies;
      for (const age of [20, 40]) {
        const { result } = await fresh.run(everyEvent(age), resolve, { cacheKey: 'v1' });
        const { result: files } = await plain.run(everyEvent(age), resolve, { cacheKey: 'v1' });
        expect(result, `every event, age ${age}`).toEqual(files);
      }
      expect(fresh.keyedCopyReads.filtered).toBe(8);
      expect(fresh.keyedCopyReads.copies).toBe(copiesBefore + 1);
    } finally {
      await fresh.close();
    }
  });

  it("read a joined FROM's own filters from a filtered copy, only when it keeps few rows (plain SQL written here)", async () => {
    const fresh = new QueryEngine({ threads: 1, partials: false });
    try {
      /** Events and subjects by arm, of AE rows with AESER = `seriousness`, under the page's filter on DM. */
      const spec = (seriousness: string, age: number): QuerySpec => ({
        from: 'AE',
        joins: JOINED_DM,
        where: [filter('AE', 'AESER', 'eq', seriousness), filter('DM', 'AGE', 'ge', age)],
        groupBy: [{ column: ref('DM', 'ARM'), as: 'arm' }],
        measures: [
          { op: 'count', as: 'events' },
          { op: 'count_distinct', column: ref('AE', 'USUBJID'), as: 'subjects' },
        ],
        orderBy: [{ key: 'arm', dir: 'asc' }],
      });
      const reference = (seriousness: string, age: number) =>
        study.rows(
          `SELECT dm.ARM, count(*), count(DISTINCT ae.USUBJID)
           FROM read_parquet('${aeFile}') ae LEFT JOIN read_parquet('${dmFile}') dm ON ae.USUBJID = dm.USUBJID
           WHERE upper(trim(ae.AESER)) = '${seriousness.trim().toUpperCase()}' AND dm.AGE >= ${age}
           GROUP BY 1 ORDER BY 1`,
        );
      // Serious rows are 4 of AE's 12 (within the share): one filtered copy serves every age.
      for (const age of [20, 30, 50]) {
        const { result } = await fresh.run(spec('y ', age), resolve, { cacheKey: 'v1' });
        const { result: files } = await plain.run(spec('y ', age), resolve, { cacheKey: 'v1' });
        expect(result, `serious, age ${age}`).toEqual(files);
        expect(result.rows).toEqual(numbers(await reference('y ', age)));
      }
      expect(fresh.keyedCopyReads).toEqual({ copies: 3, keyed: 3, filtered: 0, filteredFrom: 3 });
      // DM's copy and AE's serious rows: AE is never copied whole for these.
      expect(fresh.baseTables.tables).toBe(2);
      // Non-serious rows are 8 of 12, past the share: refused once (that query reads the files), then
      // the whole copy serves.
      for (const age of [20, 30]) {
        const { result } = await fresh.run(spec('N', age), resolve, { cacheKey: 'v1' });
        const { result: files } = await plain.run(spec('N', age), resolve, { cacheKey: 'v1' });
        expect(result, `not serious, age ${age}`).toEqual(files);
        expect(result.rows).toEqual(numbers(await reference('N', age)));
      }
      expect(fresh.keyedCopyReads).toEqual({ copies: 4, keyed: 4, filtered: 0, filteredFrom: 3 });
      // A query of DM alone: its filters are the page's, so DM is read from its whole copy.
      const alone: QuerySpec = {
        from: 'DM',
        where: [filter('DM', 'AGE', 'ge', 30)],
        measures: [{ op: 'count', as: 'subjects' }],
      };
      const { result: adults } = await fresh.run(alone, resolve, { cacheKey: 'v1' });
      expect(adults.rows).toEqual([[4]]);
      expect(fresh.keyedCopyReads).toEqual({ copies: 5, keyed: 5, filtered: 0, filteredFrom: 3 });
      expect(fresh.baseTables.tables).toBe(3);
    } finally {
      await fresh.close();
    }
  });

  it('give a masked id no key, and never serve a reader of PHI in clear', async () => {
    const fresh = new QueryEngine({ threads: 1, partials: false });
    try {
      const dm = resolve('DM') as StoredDataset;
      const ae = resolve('AE') as StoredDataset;
      const mask = (d: StoredDataset): StoredDataset => ({
        ...d,
        columns: d.columns.map((c) => (c.name === 'USUBJID' ? { ...c, masked: true } : c)),
      });
      const masked = new Map([
        ['DM', mask(dm)],
        ['AE', mask(ae)],
      ]);
      const resolveMasked: DatasetResolver = (name) => masked.get(name.toUpperCase());
      const spec = SPECS.eventsBySubject as QuerySpec;
      const { result } = await fresh.run(spec, resolveMasked, { cacheKey: 'v1' });
      const { result: files } = await plain.run(spec, resolveMasked, { cacheKey: 'v1' });
      expect(result).toEqual(files);
      // Every id reads as the mask (one distinct value); the missing one stays missing.
      expect(result.rows).toEqual([[12, 1, 1]]);
      expect(fresh.keyedCopyReads).toEqual({ copies: 1, keyed: 0, filtered: 0, filteredFrom: 0 });

      const reads: unknown[] = [];
      const clear: StoredDataset = { ...ae, onRead: (columns) => reads.push(columns) };
      const resolveClear: DatasetResolver = (name) => (name.toUpperCase() === 'AE' ? clear : resolve(name));
      const { result: clearResult } = await fresh.run(SPECS.subjectsByBodySystem as QuerySpec, resolveClear, {
        cacheKey: 'v1',
      });
      const { result: clearFiles } = await plain.run(SPECS.subjectsByBodySystem as QuerySpec, resolve, {
        cacheKey: 'v1',
      });
      expect(clearResult).toEqual(clearFiles);
      expect(fresh.keyedCopyReads).toEqual({ copies: 1, keyed: 0, filtered: 0, filteredFrom: 0 });
      expect(reads.length).toBeGreaterThan(0);
    } finally {
      await fresh.close();
    }
  });
});
