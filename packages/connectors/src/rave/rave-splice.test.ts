import { openDuckDb, quoteLiteral } from '@cdp/formats';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { uploadContents as contents, PullHarness, simConfig } from '../testing/pull-harness.ts';
import { formDatasetWriter, formGroupRows, type RaveSimulator, startRaveSimulator } from '../testing.ts';

/**
 * An incremental pull splices the form datasets: row groups holding no changed subject are the
 * previous file's bytes, the others are written again. Whatever it copied, the version must read
 * back exactly as a full pull of the same data does: every dataset, its columns and types, and
 * every value in the same order (read with DuckDB, typed values compared as DuckDB returns them).
 */

const SECRET = 'rave-password';
let sim: RaveSimulator;
let groupRows: number;
let writer: typeof formDatasetWriter.value;

beforeAll(async () => {
  // Twelve subjects in groups of about two (a subject has 3 to 9 rows of a form): many groups.
  sim = await startRaveSimulator({ subjects: 12, forms: 3, visits: 3, itemsPerForm: 6 });
  groupRows = formGroupRows.value;
  formGroupRows.value = 5;
  // Splicing needs files of our own writer (DuckDB's COPY is the default).
  writer = formDatasetWriter.value;
  formDatasetWriter.value = 'own';
});

afterAll(async () => {
  formGroupRows.value = groupRows;
  formDatasetWriter.value = writer;
  await sim.stop();
});

/** The row groups of a file, as DuckDB's parquet_metadata lists them. */
async function rowGroups(file: string): Promise<number> {
  const db = await openDuckDb();
  try {
    const result = await db.connection.runAndReadAll(
      `SELECT count(DISTINCT row_group_id) FROM parquet_metadata(${quoteLiteral(file)})`,
    );
    return Number(result.getRowsJson()[0]?.[0]);
  } finally {
    db.close();
  }
}

/** A full pull of the simulator as it is now, into a state of its own. */
async function fullPull() {
  const harness = await PullHarness.create();
  try {
    return await contents((await harness.pull(simConfig(sim), SECRET)).upload);
  } finally {
    await harness.dispose();
  }
}

const spliceLine = (logs: string[]) => logs.filter((line) => line.includes('Form datasets:')).at(-1) ?? '';
const wait = () => new Promise((resolve) => setTimeout(resolve, 1_100)); // start= has seconds precision

describe('Rave incremental pull by row-group splicing', () => {
  it('equals a full pull of the same data after changed values, removals, an inactivation and a reactivation', async () => {
    const harness = await PullHarness.create();
    try {
      const config = simConfig(sim);
      const first = await harness.pull(config, SECRET);
      const form1 = first.upload?.datasets.find((d) => d.name === 'FORM01');
      expect(await rowGroups(form1?.file ?? '')).toBeGreaterThan(6);

      sim.mutate({
        set: [
          { cell: { subject: 1, visit: 0, form: 1, repeat: 0, item: 4 }, value: 'changed' },
          { cell: { subject: 7, visit: 2, form: 0, repeat: 1, item: 0 }, value: '77' },
          { cell: { subject: 7, visit: 1, form: 0, repeat: 2, item: 5 }, value: null },
        ],
        removeRecord: [{ subject: 4, visit: 1, form: 2, repeat: 0 }],
        inactivateSubject: [9],
      });
      await wait();
      const second = await harness.pull(config, SECRET);
      expect(second.outcome.kind).toBe('datasets');
      // Every form holds subject 9 (it left), so every form is spliced; most groups are copied.
      const line = spliceLine(harness.logs);
      expect(line).toMatch(
        /0 kept as they were, 3 spliced \((\d+) row groups copied, (\d+) written\), 0 written whole/,
      );
      const [, copied, written] = line.match(/\((\d+) row groups copied, (\d+) written\)/) ?? [];
      expect(Number(copied)).toBeGreaterThan(Number(written));
      expect(await contents(second.upload)).toEqual(await fullPull());

      // Subject 9 comes back: its rows sort into the middle of groups that changed nothing.
      sim.mutate({ reactivateSubject: [9] });
      await wait();
      const third = await harness.pull(config, SECRET);
      expect(spliceLine(harness.logs)).toMatch(/3 spliced/);
      const expected = await fullPull();
      expect(await contents(third.upload)).toEqual(expected);
      expect(((expected.FORM01?.rows ?? []) as unknown[][]).some((row) => row[0] === sim.subjectKey(9))).toBe(true);
    } finally {
      await harness.dispose();
    }
  });

  it('a value that changes a column type writes that form whole, the same as a full pull', async () => {
    const harness = await PullHarness.create();
    try {
      const config = simConfig(sim);
      await harness.pull(config, SECRET);
      // IT01 of FORM02 is an integer item: 'UNK' makes the column text.
      sim.mutate({ set: [{ cell: { subject: 3, visit: 1, form: 1, repeat: 0, item: 0 }, value: 'UNK' }] });
      await wait();
      const { upload } = await harness.pull(config, SECRET);
      expect(spliceLine(harness.logs)).toMatch(/2 kept as they were, 0 spliced .*, 1 written whole/);
      const form2 = upload?.datasets.find((d) => d.name === 'FORM02');
      expect(form2?.columns.find((c) => c.name === 'IT01')?.type).toBe('string');
      expect(await contents(upload)).toEqual(await fullPull());
    } finally {
      await harness.dispose();
    }
  });
});
