import { randomBytes } from 'node:crypto';
import { registerPhiDataKey } from '@cdp/formats';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { profileColumn } from './column-profile.ts';
import { readRows } from './dataset-rows.ts';
import { DatasetStore, type StoredDataset } from './dataset-store.ts';
import { datasetSource } from './protected-source.ts';
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

describe('datasetSource for a cleared reader', () => {
  it('notes a read for the PHI access log only when the answer touches a column the caller names, or every column', () => {
    const seen: Array<string[] | undefined> = [];
    const cleared: StoredDataset = {
      file: dm.file,
      columns: dm.columns.map(({ masked: _m, ...c }) => c),
      onRead: (columns) => seen.push(columns),
    };
    datasetSource(cleared);
    datasetSource(cleared, { reads: [] });
    datasetSource(cleared, { reads: ['USUBJID', 'BRTHDTC'] });
    expect(seen).toEqual([undefined, ['USUBJID', 'BRTHDTC']]);
  });

  it('joins a sealed sidecar row for row and opens it, cast back to the column type', async () => {
    registerPhiDataKey('k-analytics', randomBytes(32));
    // The stored file holds masked values; the sidecar the sealed clear ones, in the same order.
    const main = await study.write(
      'sealed.parquet',
      `SELECT * FROM (VALUES ('S1', DATE '1951-01-01'), ('S2', DATE '1948-01-01'), ('S3', NULL)) AS v(USUBJID, BRTHDT)`,
    );
    const sidecar = await study.write(
      'sealed.phi.parquet',
      `SELECT cdp_phi_seal('k-analytics', v) AS BRTHDT FROM (VALUES ('1951-03-17'), ('1948-11-02'), (NULL)) AS t(v)`,
    );
    const sealed: StoredDataset = {
      file: main,
      columns: [
        { name: 'USUBJID', type: 'string' },
        { name: 'BRTHDT', type: 'date' },
      ],
      sealed: { sidecar, columns: [{ name: 'BRTHDT', sqlType: 'DATE' }] },
    };
    const { rows } = await readRows(store, sealed, { offset: 0, limit: 10, filters: [], sort: '-BRTHDT' });
    expect(rows).toEqual([
      ['S1', '1951-03-17'],
      ['S2', '1948-11-02'],
      ['S3', null],
    ]);
    // A masked reader's SQL never names the sidecar: it reads the stored masks.
    const masked = { ...sealed, columns: [sealed.columns[0], { name: 'BRTHDT', type: 'date', masked: true }] };
    expect(datasetSource(masked as StoredDataset)).not.toContain('cdp_phi_open');
    const hidden = await readRows(store, masked as StoredDataset, { offset: 0, limit: 10, filters: [] });
    expect(hidden.rows.map((r) => r[1])).toEqual(['1951', '1948', null]);
  });
});
