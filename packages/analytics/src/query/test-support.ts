/**
 * A tiny study for the query tests (not exported from the package): DM and AE as Parquet files in a
 * fresh temp folder, written by DuckDB, with the schema the metadata database would hold.
 */
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import type { ColumnRef, QueryFilter } from '@cdp/contracts';
import { openDuckDb, quoteLiteral } from '@cdp/formats';
import type { StoredDataset } from '../dataset-store.ts';
import type { DatasetResolver } from './query-scope.ts';

/**
 * Six subjects. S05 started in a month only ("2024-03", a partial date); S06 has nearly nothing.
 * AGE is a double, NVIS an integer (BIGINT), RFSTDT a date, RFXSTDTM a datetime, RFSTDTC ISO text.
 */
const DM_SQL = `SELECT USUBJID, ARM, SEX, CAST(AGE AS DOUBLE) AS AGE, SITEID, RFSTDTC,
    CAST(RFSTDT AS DATE) AS RFSTDT, CAST(RFXSTDTM AS TIMESTAMP) AS RFXSTDTM, CAST(NVIS AS BIGINT) AS NVIS
  FROM (VALUES
    ('S01', 'Placebo', 'F', 34, '101', '2024-01-08', '2024-01-08', '2024-01-08 08:00:00', 3),
    ('S02', 'Placebo', 'M', 45, '101', '2024-01-10T09:30', '2024-01-10', '2024-01-10 23:59:00', 5),
    ('S03', 'Drug', 'F', 52, '102', '2024-02-01', '2024-02-01', NULL, 4),
    ('S04', 'Drug', 'M', 61, '102', '2024-02-29', '2024-02-29', NULL, 2),
    ('S05', 'Drug', 'F', 29, '103', '2024-03', NULL, NULL, 6),
    ('S06', NULL, 'M', NULL, '103', NULL, NULL, NULL, NULL)
  ) AS v(USUBJID, ARM, SEX, AGE, SITEID, RFSTDTC, RFSTDT, RFXSTDTM, NVIS)`;

/** Nine events; S03 has four, one of each term, so the terms outside a top 2 share a subject. */
const AE_SQL = `SELECT * FROM (VALUES
    ('S01', 'HEADACHE', 'NERVOUS SYSTEM', 'N', '2024-01-09'),
    ('S01', 'NAUSEA', 'GASTROINTESTINAL', 'N', '2024-01-15'),
    ('S02', 'HEADACHE', 'NERVOUS SYSTEM', 'Y', '2024-01-20'),
    ('S03', 'HEADACHE', 'NERVOUS SYSTEM', 'N', '2024-02-03'),
    ('S03', 'RASH', 'SKIN', 'N', '2024-02-10'),
    ('S03', 'NAUSEA', 'GASTROINTESTINAL', 'Y', '2024-03-01'),
    ('S03', 'DIZZINESS', 'NERVOUS SYSTEM', 'N', '2024-03-05'),
    ('S04', 'HEADACHE', 'NERVOUS SYSTEM', 'N', '2024-03-06'),
    ('S05', 'RASH', 'SKIN', 'N', '2024-03')
  ) AS v(USUBJID, AEDECOD, AEBODSYS, AESER, AESTDTC)`;

const DM_COLUMNS = [
  { name: 'USUBJID', type: 'string' },
  { name: 'ARM', type: 'string' },
  { name: 'SEX', type: 'string' },
  { name: 'AGE', type: 'number' },
  { name: 'SITEID', type: 'string' },
  { name: 'RFSTDTC', type: 'string' },
  { name: 'RFSTDT', type: 'date' },
  { name: 'RFXSTDTM', type: 'datetime' },
  { name: 'NVIS', type: 'integer' },
];

const AE_COLUMNS = ['USUBJID', 'AEDECOD', 'AEBODSYS', 'AESER', 'AESTDTC'].map((name) => ({ name, type: 'string' }));

export interface TestStudy {
  dir: string;
  datasets: Map<string, StoredDataset>;
  resolve: DatasetResolver;
  /** Writes `sql`'s rows to `<dir>/<file>` (any name: quotes and all). */
  write: (file: string, sql: string) => Promise<string>;
  /** `sql`'s rows as JSON values, run by a DuckDB of the test's own: reference answers written in plain SQL. */
  rows: (sql: string) => Promise<unknown[][]>;
  remove: () => Promise<void>;
}

export async function makeStudy(): Promise<TestStudy> {
  const dir = await mkdtemp(path.join(tmpdir(), 'cdp-query-'));
  const db = await openDuckDb();
  const write = async (file: string, sql: string) => {
    const target = path.join(dir, file);
    await db.connection.run(`COPY (${sql}) TO ${quoteLiteral(target)} (FORMAT parquet)`);
    return target;
  };
  const datasets = new Map<string, StoredDataset>([
    ['DM', { file: await write('dm.parquet', DM_SQL), columns: DM_COLUMNS }],
    ['AE', { file: await write('ae.parquet', AE_SQL), columns: AE_COLUMNS }],
  ]);
  return {
    dir,
    datasets,
    resolve: (name) => datasets.get(name.toUpperCase()),
    write,
    rows: async (sql) => (await db.connection.runAndReadAll(sql)).getRowsJson() as unknown[][],
    remove: async () => {
      db.close();
      await rm(dir, { recursive: true, force: true });
    },
  };
}

/** `{ dataset, column }`, shorter. */
export const ref = (dataset: string, column: string): ColumnRef => ({ dataset, column });

export const filter = (
  dataset: string,
  column: string,
  op: QueryFilter['op'],
  value?: QueryFilter['value'],
): QueryFilter => ({ column: ref(dataset, column), op, ...(value === undefined ? {} : { value }) });
