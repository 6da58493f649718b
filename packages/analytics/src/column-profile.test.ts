import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { profileColumn } from './column-profile.ts';
import { DatasetStore, type StoredDataset } from './dataset-store.ts';
import { makeStudy, type TestStudy } from './query/test-support.ts';

let study: TestStudy;
let store: DatasetStore;
let lb: StoredDataset;

/*
 * Six lab rows: ALT 10, 20, 60 (U/L) and AST 30, missing, 50; LBORRES as SAS writes text, with
 * blanks for missing values (a blank is missing, not a value).
 */
beforeAll(async () => {
  study = await makeStudy();
  store = new DatasetStore();
  const file = await study.write(
    'lb.parquet',
    `SELECT * FROM (VALUES ('ALT', CAST(10 AS DOUBLE), '10'), ('ALT', 20, '20'), ('ALT', 60, '60'),
       ('AST', 30, '30'), ('AST', NULL, '  '), ('AST', 50, '')) AS v(LBTESTCD, LBSTRESN, LBORRES)`,
  );
  lb = {
    file,
    columns: [
      { name: 'LBTESTCD', type: 'string' },
      { name: 'LBSTRESN', type: 'number' },
      { name: 'LBORRES', type: 'string' },
    ],
  };
});
afterAll(async () => {
  await store.close();
  await study.remove();
});

describe('profileColumn', () => {
  it('counts blanks as missing everywhere: filled + missing = rows, and a blank is no distinct value nor the minimum', async () => {
    const profile = await profileColumn(store, lb, 'LBORRES');
    expect(profile).toMatchObject({ rows: 6, missing: 2, distinct: 4, min: '10', max: '60', filters: 0 });
  });

  it('honours the filters and splits by a column: one line per lab test, not a mean over mixed tests', async () => {
    const all = await profileColumn(store, lb, 'LBSTRESN', { by: 'LBTESTCD' });
    expect(all).toMatchObject({ rows: 6, missing: 1, mean: 34 });
    expect(all.split).toEqual({
      by: 'LBTESTCD',
      totalGroups: 2,
      groups: [
        { value: 'ALT', rows: 3, missing: 0, distinct: 3, min: 10, max: 60, mean: 30 },
        { value: 'AST', rows: 3, missing: 1, distinct: 2, min: 30, max: 50, mean: 40 },
      ],
    });
    const alt = await profileColumn(store, lb, 'LBSTRESN', {
      filters: [{ column: 'LBTESTCD', op: 'eq', value: 'ALT' }],
    });
    expect(alt).toMatchObject({ rows: 3, missing: 0, min: 10, max: 60, mean: 30, filters: 1 });
    expect(alt.top.map((t) => t.value)).toEqual([10, 20, 60]);
  });
});
