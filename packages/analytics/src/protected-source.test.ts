import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { profileColumn } from './column-profile.ts';
import { readRows } from './dataset-rows.ts';
import { DatasetStore, type StoredDataset } from './dataset-store.ts';
import { makeStudy, type TestStudy } from './query/test-support.ts';
import { QueryError } from './query-error.ts';

let study: TestStudy;
let store: DatasetStore;
let dm: StoredDataset;

/* Three subjects: a character ISO birth date, a SAS date, initials, a blank, a number classified PHI. */
beforeAll(async () => {
  study = await makeStudy();
  store = new DatasetStore();
  const file = await study.write(
    'dm.parquet',
    `SELECT * FROM (VALUES
       ('S1', '1951-03-17', DATE '1951-03-17', 'QJX', 71),
       ('S2', '1948-11', DATE '1948-11-02', '', 75),
       ('S3', NULL, NULL, 'ZVW', 63)) AS v(USUBJID, BRTHDTC, BRTHDT, SUBJINIT, WEIGHT)`,
  );
  dm = {
    file,
    columns: [
      { name: 'USUBJID', type: 'string' },
      { name: 'BRTHDTC', type: 'string', masked: true },
      { name: 'BRTHDT', type: 'string', masked: true },
      { name: 'SUBJINIT', type: 'string', masked: true },
      { name: 'WEIGHT', type: 'integer', masked: true },
    ],
  };
});
afterAll(async () => {
  await store.close();
  await study.remove();
});

describe('datasetSource masks PHI before anything reads it', () => {
  it('reduces dates to the year (text or SAS date), text to [PHI], numbers to null, and keeps blanks', async () => {
    const { rows } = await readRows(store, dm, { offset: 0, limit: 10, filters: [] });
    expect(rows).toEqual([
      ['S1', '1951', '1951', '[PHI]', null],
      ['S2', '1948', '1948', '', null],
      ['S3', null, null, '[PHI]', null],
    ]);
  });

  it.each([
    ['filter', { filters: [{ column: 'BRTHDTC', op: 'starts' as const, value: '1951-03' }] }],
    ['sort', { filters: [], sort: '-SUBJINIT' }],
  ])('refuses to %s on a masked column, naming the permission and not the value', async (_use, view) => {
    const error = await readRows(store, dm, { offset: 0, limit: 10, ...view }).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(QueryError);
    expect((error as Error).message).toContain('data:view_phi:assigned');
    expect((error as Error).message).not.toContain('1951-03');
  });

  it('profiles a masked column by counts only', async () => {
    const profile = await profileColumn(store, dm, 'SUBJINIT');
    expect(profile).toMatchObject({ rows: 3, missing: 1, min: null, max: null, mean: null, top: [] });
  });
});
