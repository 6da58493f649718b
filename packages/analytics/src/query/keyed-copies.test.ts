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
  keyed = new QueryEngine({ threads: 1 });
  plain = new QueryEngine({ threads: 1, keyedCopies: false });
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
    expect(plain.keyedCopyReads).toEqual({ copies: 0, keyed: 0 });
    // Two copies (DM, AE), each made once.
    expect(keyed.baseTables.tables).toBe(2);
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

  it('give a masked id no key, and never serve a reader of PHI in clear', async () => {
    const fresh = new QueryEngine({ threads: 1 });
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
      expect(fresh.keyedCopyReads).toEqual({ copies: 1, keyed: 0 });

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
      expect(fresh.keyedCopyReads).toEqual({ copies: 1, keyed: 0 });
      expect(reads.length).toBeGreaterThan(0);
    } finally {
      await fresh.close();
    }
  });
});
