import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { DatasetStore } from './dataset-store.ts';
import { diffDataset, type NamedDataset } from './diff-datasets.ts';
import { makeStudy, type TestStudy } from './query/test-support.ts';

let study: TestStudy;
let store: DatasetStore;

beforeAll(async () => {
  study = await makeStudy();
  store = new DatasetStore();
});
afterAll(async () => {
  await store.close();
  await study.remove();
});

/** AE as a CSV upload stores it (AESEQ BIGINT) and as XPT does (every number a DOUBLE). */
async function ae(file: string, numeric: 'BIGINT' | 'DOUBLE', day2: number, dateType: 'VARCHAR' | 'DATE') {
  const path = await study.write(
    file,
    `SELECT USUBJID, CAST(AESEQ AS ${numeric}) AS AESEQ, CAST(AESTDY AS ${numeric}) AS AESTDY,
            CAST(AESTDTC AS ${dateType}) AS AESTDTC
       FROM (VALUES ('S1', 1, 3, '2024-01-05'), ('S1', 2, ${day2}, '2024-01-09'), ('S2', 1, 7, '2024-02-01'))
         AS v(USUBJID, AESEQ, AESTDY, AESTDTC)`,
  );
  const type = numeric === 'BIGINT' ? 'integer' : 'number';
  return {
    name: 'AE',
    rows: 3,
    file: path,
    columns: [
      { name: 'USUBJID', type: 'string' },
      { name: 'AESEQ', type },
      { name: 'AESTDY', type },
      { name: 'AESTDTC', type: dateType === 'DATE' ? 'date' : 'string' },
    ],
  } satisfies NamedDataset;
}

describe('diffDataset: integer and floating columns', () => {
  it('the same whole numbers arriving as XPT doubles are no retype and no changed rows, only a storage note', async () => {
    const csv = await ae('ae-csv.parquet', 'BIGINT', 4, 'VARCHAR');
    const xpt = await ae('ae-xpt.parquet', 'DOUBLE', 4, 'VARCHAR');
    const diff = await diffDataset(store, csv, xpt, { samples: 5 });
    expect(diff.columnsRetyped).toEqual([]);
    expect(diff.columnsNumericStorage).toEqual([
      { name: 'AESEQ', from: 'integer', to: 'number' },
      { name: 'AESTDY', from: 'integer', to: 'number' },
    ]);
    expect(diff).toMatchObject({ key: ['USUBJID', 'AESEQ'], rowsAdded: 0, rowsRemoved: 0, rowsChanged: 0 });
    expect(diff.status).toBe('unchanged');
  });

  it('a value that really changed still shows, compared as a number; a text → date change is still a retype', async () => {
    const csv = await ae('ae-csv2.parquet', 'BIGINT', 4, 'VARCHAR');
    const xpt = await ae('ae-xpt2.parquet', 'DOUBLE', 5, 'DATE');
    const diff = await diffDataset(store, csv, xpt, { samples: 5 });
    expect(diff.columnsRetyped).toEqual([{ name: 'AESTDTC', from: 'string', to: 'date' }]);
    expect(diff.rowsChanged).toBe(1);
    expect(diff.samples.changed).toEqual([
      { key: { USUBJID: 'S1', AESEQ: 2 }, changes: [{ column: 'AESTDY', from: 4, to: 5 }] },
    ]);
    expect(diff.status).toBe('changed');
  });
});
