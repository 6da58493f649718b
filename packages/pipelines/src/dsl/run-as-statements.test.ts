import { mkdtemp, readdir } from 'node:fs/promises';
import path from 'node:path';
import type { DslBodyInput, DslStepInput } from '@cdp/contracts';
import { EXAMPLE_PIPELINES } from '@cdp/contracts';
import { DuckDBInstance } from '@duckdb/node-api';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { PipelineDefinitionError, type PipelineInput, type PipelineLogLine } from '../executor.ts';
import { openPilot, type Pilot } from '../testing.ts';
import { runDsl } from './execute-dsl.ts';

/**
 * A run compiled to one statement per output (run-as-statements.ts) against the same run step by
 * step, on the CDISC pilot SDTM: the same outputs (values, column order, Parquet types), the same
 * rows in and out and warnings per step, the same progress; and its own log, cancel and errors.
 */
let pilot: Pilot;

beforeAll(async () => {
  pilot = await openPilot(['DM', 'AE', 'EX', 'DS']);
});
afterAll(() => pilot?.close());

const save = (dataset: string, output_name: string): DslStepInput => ({
  operation: 'save_dataset',
  parameters: { dataset, output_name },
});

/** Every operation but pivot (which is always run step by step), in chains like real pipelines. */
const BODIES: Record<string, { inputs: string[]; body: DslBodyInput }> = {
  'columns and filters': {
    inputs: ['DM'],
    body: {
      steps: [
        {
          operation: 'select_columns',
          parameters: { dataset: 'DM', columns: ['USUBJID', 'AGE', 'SEX', 'ARMCD', 'RACE'], output_name: 'S' },
        },
        { operation: 'rename_columns', parameters: { dataset: 'S', mapping: { AGE: 'AGEYRS' } } },
        {
          operation: 'filter_rows',
          parameters: {
            dataset: 'S',
            conditions: [
              { column: 'AGEYRS', operator: 'between', value: [60, 80] },
              {
                any: [
                  { column: 'SEX', operator: 'equals', value: 'F' },
                  { column: 'RACE', operator: 'contains', value: 'BLACK' },
                ],
              },
              { column: 'ARMCD', operator: 'not_in', value: ['Pbo'] },
            ],
          },
        },
        save('S', 's'),
        { operation: 'drop_columns', parameters: { dataset: 'DM', columns: ['DMDY', 'DMDTC'] } },
        {
          operation: 'filter_rows',
          parameters: {
            dataset: 'DM',
            conditions: [{ column: 'SITEID', operator: 'starts_with', value: '7' }],
            output_name: 'SITE7',
          },
        },
        save('SITE7', 'site7'),
        save('DM', 'dm'),
      ],
    },
  },
  'conversions, fills and calculated columns (with warnings)': {
    inputs: ['AE'],
    body: {
      steps: [
        {
          operation: 'convert_types',
          parameters: {
            dataset: 'AE',
            conversions: { AESTDTC: 'date', AEENDTC: 'date', AESER: 'boolean', AEDECOD: 'numeric' },
          },
        },
        {
          operation: 'fill_missing',
          parameters: { dataset: 'AE', columns: ['AEENDTC'], method: 'previous', group_by: ['USUBJID'] },
        },
        { operation: 'fill_missing', parameters: { dataset: 'AE', columns: ['AEOUT'], value: 'UNKNOWN' } },
        { operation: 'fill_missing', parameters: { dataset: 'AE', columns: ['AEENDY'], method: 'mean' } },
        {
          operation: 'add_calculated_column',
          parameters: { dataset: 'AE', column_name: 'DUR', expression: 'duration_days(AESTDTC, AEENDTC)' },
        },
        {
          operation: 'add_calculated_column',
          parameters: { dataset: 'AE', column_name: 'SEVERE', expression: 'if(AESEV = "SEVERE", "Y", "N")' },
        },
        save('AE', 'ae'),
      ],
    },
  },
  'merges, duplicates, sorts, aggregates, unpivot': {
    inputs: ['DM', 'AE', 'EX'],
    body: {
      steps: [
        { operation: 'drop_duplicates', parameters: { dataset: 'EX', columns: ['USUBJID'], keep: 'last' } },
        {
          operation: 'merge_datasets',
          parameters: { left: 'AE', right: 'DM', on: ['STUDYID', 'USUBJID'], how: 'inner', output_name: 'AEDM' },
        },
        {
          operation: 'merge_datasets',
          parameters: {
            left: 'DM',
            right: 'EX',
            on: ['USUBJID'],
            how: 'outer',
            suffixes: ['_DM', '_EX'],
            output_name: 'DMEX',
          },
        },
        {
          operation: 'merge_datasets',
          parameters: { left: 'EX', right: 'AE', on: ['USUBJID'], how: 'right', output_name: 'EXAE' },
        },
        {
          operation: 'sort_by',
          parameters: { dataset: 'AEDM', columns: [{ column: 'AGE', descending: true }, { column: 'AESEQ' }] },
        },
        {
          operation: 'aggregate',
          parameters: {
            dataset: 'AEDM',
            group_by: ['ARM', 'AESEV'],
            measures: [
              { function: 'count', as: 'N' },
              { column: 'USUBJID', function: 'n_distinct', as: 'SUBJECTS' },
              { column: 'AGE', function: 'median', as: 'MEDAGE' },
              { column: 'AETERM', function: 'first', as: 'FIRSTTERM' },
            ],
          },
        },
        {
          operation: 'aggregate',
          parameters: {
            dataset: 'EXAE',
            group_by: [],
            measures: [
              { column: 'EXDOSE', function: 'sum', as: 'DOSE' },
              { function: 'count', as: 'N' },
            ],
          },
        },
        {
          operation: 'unpivot',
          parameters: {
            dataset: 'EX',
            index: ['USUBJID'],
            columns: ['EXSTDY', 'EXENDY'],
            names_to: 'WHICH',
            values_to: 'DAY',
          },
        },
        save('AEDM', 'by_arm'),
        save('DMEX', 'dmex'),
        save('EXAE', 'total'),
        save('EX', 'ex_days'),
      ],
    },
  },
};

/** The step lines without their times (which differ by nature), the warnings and the progress. */
function trace(result: Awaited<ReturnType<Pilot['run']>>) {
  const steps = result.logs
    .filter((l) => l.level === 'info' && l.message.startsWith('step '))
    .map((l) => [l.step, l.message.replace(/, \d+ ms.*$/, '')]);
  const warnings = result.logs.filter((l) => l.level === 'warn');
  return { steps, warnings, progress: result.progress };
}

async function types(file: string): Promise<string[]> {
  const rows = await pilot.sql(`DESCRIBE SELECT * FROM '${file}'`);
  return rows.map((r) => `${r.column_name} ${r.column_type}`);
}

async function expectSameRun(body: DslBodyInput, inputs: string[]) {
  const steps = await pilot.run(body, inputs, undefined, 'steps');
  const statements = await pilot.run(body, inputs, undefined, 'statements');
  expect(Object.keys(statements.outputs)).toEqual(Object.keys(steps.outputs));
  for (const [name, rows] of Object.entries(steps.outputs)) {
    expect(rows.length).toBeGreaterThan(0);
    expect(statements.outputs[name]).toEqual(rows);
    expect(await types(path.join(statements.outputDir, `${name}.parquet`))).toEqual(
      await types(path.join(steps.outputDir, `${name}.parquet`)),
    );
  }
  expect(trace(statements)).toEqual(trace(steps));
  return { steps, statements };
}

describe('one statement per output gives what the step-by-step run gives', () => {
  for (const [name, { inputs, body }] of Object.entries(BODIES))
    it(name, async () => {
      const { statements } = await expectSameRun(body, inputs);
      if (name.includes('warnings'))
        expect(statements.logs.filter((l) => l.level === 'warn').map((l) => l.message)).toContainEqual(
          expect.stringMatching(/^AEDECOD: [\d,]+ values could not be read as number and became missing$/),
        );
    });

  it("the specification's examples: ENROL from DS, then dm_clean from DM and ENROL", async () => {
    const [enrolment, dmClean] = EXAMPLE_PIPELINES;
    if (!enrolment || !dmClean) throw new Error('examples missing');
    const { steps } = await expectSameRun(enrolment.body, ['DS']);
    const enrol = path.join(steps.outputDir, 'ENROL.parquet');
    pilot.inputs.ENROL = {
      name: 'ENROL',
      path: enrol,
      columns: (await types(enrol)).map((t) => {
        const [column, type] = t.split(' ');
        return { name: column ?? '', type: type ?? '' };
      }),
    };
    const { statements } = await expectSameRun(dmClean.body, ['DM', 'ENROL']);
    // Independently: screen failures and subjects without DMDTC removed, one row per DM subject kept.
    const [expected] = await pilot.sql(
      `SELECT count(*) AS n FROM {DM} WHERE DMDTC IS NOT NULL AND ARMCD NOT IN ('SCRNFAIL', 'Scrnfail', 'NOTASSGN')`,
    );
    expect(statements.outputs.dm_clean).toHaveLength(Number(expected?.n));
  });
});

describe('the log of a run as one statement per output', () => {
  it('gives rows in and out per step, and says which steps each statement computed', async () => {
    const result = await pilot.run(
      {
        steps: [
          {
            operation: 'filter_rows',
            parameters: {
              dataset: 'DM',
              conditions: [{ column: 'SEX', operator: 'equals', value: 'F' }],
              output_name: 'F',
            },
          },
          {
            operation: 'add_calculated_column',
            parameters: { dataset: 'F', column_name: 'OLD', expression: 'AGE >= 65' },
          },
          save('F', 'women'),
          save('DM', 'everyone'),
        ],
      },
      ['DM'],
    );
    const [women] = await pilot.sql(`SELECT count(*) AS n FROM {DM} WHERE SEX = 'F'`);
    const n = Number(women?.n);
    // Every row count is an output's own (the filter's rows are the women saved, DM's the
    // everyone saved): no counting statement.
    expect(result.logs.map((l: PipelineLogLine) => [l.step, l.message])).toEqual([
      [0, `step 1/4 Filter rows (filter_rows) F: 306 → ${n} rows`],
      [1, `step 2/4 Add calculated column (add_calculated_column) F: ${n} → ${n} rows`],
      [
        2,
        expect.stringMatching(
          new RegExp(
            `^step 3/4 Save as output \\(save_dataset\\) F → output women: ${n} → ${n} rows, \\d+ ms \\(one statement with steps 1, 2\\)$`,
          ),
        ),
      ],
      [
        3,
        expect.stringMatching(
          /^step 4\/4 Save as output \(save_dataset\) DM → output everyone: 306 → 306 rows, \d+ ms$/,
        ),
      ],
    ]);
    expect(result.progress.map((p) => [p.step, p.steps, p.rows])).toEqual([
      [1, 4, n],
      [2, 4, n],
      [3, 4, n],
      [4, 4, 306],
    ]);
  });

  it('counts in one statement only the rows no output tells, with the values conversions lost', async () => {
    const result = await pilot.run(
      {
        steps: [
          {
            operation: 'filter_rows',
            parameters: { dataset: 'AE', conditions: [{ column: 'AESER', operator: 'equals', value: 'N' }] },
          },
          { operation: 'convert_types', parameters: { dataset: 'AE', conversions: { AEDECOD: 'numeric' } } },
          {
            operation: 'aggregate',
            parameters: {
              dataset: 'AE',
              group_by: ['USUBJID'],
              measures: [{ function: 'count', as: 'N' }],
            },
          },
          save('AE', 'per_subject'),
        ],
      },
      ['AE'],
    );
    const [counted] = await pilot.sql(
      `SELECT (SELECT count(*) FROM {AE}) AS ae, count(*) AS n, count(DISTINCT USUBJID) AS subjects FROM {AE} WHERE AESER = 'N'`,
    );
    const [ae, n, subjects] = [counted?.ae, counted?.n, counted?.subjects].map((x) =>
      Number(x).toLocaleString('en-US'),
    );
    // The aggregate's rows are the output's; the input's and the filter's are counted, and the
    // conversion's lost values (every AEDECOD is text) in the same statement.
    expect(result.logs.map((l: PipelineLogLine) => [l.step, l.level, l.message.replace(/, \d+ ms.*$/, '')])).toEqual([
      [undefined, 'info', expect.stringMatching(/^rows of step 1 counted in one statement$/)],
      [0, 'info', `step 1/4 Filter rows (filter_rows) AE: ${ae} → ${n} rows`],
      [1, 'warn', `AEDECOD: ${n} values could not be read as number and became missing`],
      [1, 'info', `step 2/4 Convert types (convert_types) AE: ${n} → ${n} rows`],
      [2, 'info', `step 3/4 Aggregate (aggregate) AE: ${n} → ${subjects} rows`],
      [3, 'info', `step 4/4 Save as output (save_dataset) AE → output per_subject: ${subjects} → ${subjects} rows`],
    ]);
  });

  it('a step DuckDB refuses at run time: run again step by step, the error names the step, no file is left', async () => {
    const body: DslBodyInput = {
      steps: [
        save('DM', 'first'),
        {
          operation: 'add_calculated_column',
          parameters: { dataset: 'DM', column_name: 'LATER', expression: 'add_days(RFSTDTC, AGE * 1000000000)' },
        },
        save('DM', 'later'),
      ],
    };
    const attempt = async (mode: 'auto' | 'steps') => {
      const outputDir = await mkdtemp(path.join(pilot.dir, 'refused-'));
      const logs: PipelineLogLine[] = [];
      const error = await runDsl(
        {
          kind: 'dsl',
          body,
          inputs: [pilot.inputs.DM as PipelineInput],
          outputDir,
          signal: new AbortController().signal,
          onLog: (line) => logs.push(line),
          onProgress: () => undefined,
        },
        mode,
      ).then(
        () => undefined,
        (e: unknown) => e,
      );
      return { error, logs, files: await readdir(outputDir) };
    };
    const auto = await attempt('auto');
    expect(auto.error).toBeInstanceOf(PipelineDefinitionError);
    // The calculated column is a view in the step-by-step run: DuckDB computes it, and fails, when
    // the save that reads it runs, so the error names that step, as it always has.
    expect((auto.error as PipelineDefinitionError).issues).toEqual([
      { path: 'steps[2]', message: expect.stringMatching(/^save_dataset failed: Conversion Error/) },
    ]);
    expect(auto.logs.map((l) => l.message)).toContainEqual(
      expect.stringMatching(
        /^the run as one statement per output failed \(.+\); running it step by step to find the step$/s,
      ),
    );
    expect(auto.files).toEqual([]);
    const steps = await attempt('steps');
    expect((steps.error as PipelineDefinitionError).issues).toEqual(
      (auto.error as PipelineDefinitionError).issues.map((issue) => ({
        ...issue,
        message: expect.stringContaining(issue.message.slice(0, 60)),
      })),
    );
  });

  it('a cancel interrupts the statement and leaves no file', async () => {
    // A merge of 20,000 rows with themselves on one key: 400,000,000 rows to count, unless interrupted.
    const file = path.join(pilot.dir, 'same-key.parquet');
    const db = await DuckDBInstance.create(':memory:');
    const connection = await db.connect();
    await connection.run(`COPY (SELECT 1 AS K, i AS V FROM range(20000) t(i)) TO '${file}' (FORMAT parquet)`);
    connection.closeSync();
    db.closeSync();
    const outputDir = await mkdtemp(path.join(pilot.dir, 'cancel-'));
    const controller = new AbortController();
    const started = Date.now();
    setTimeout(() => controller.abort(new Error('cancelled by the test')), 300);
    const error = await runDsl(
      {
        kind: 'dsl',
        body: {
          steps: [
            save('BIG', 'first'),
            { operation: 'merge_datasets', parameters: { left: 'BIG', right: 'BIG', on: ['K'], output_name: 'HUGE' } },
            { operation: 'sort_by', parameters: { dataset: 'HUGE', columns: [{ column: 'V_x' }] } },
            save('HUGE', 'huge'),
          ],
        },
        inputs: [
          {
            name: 'BIG',
            path: file,
            columns: [
              { name: 'K', type: 'integer' },
              { name: 'V', type: 'integer' },
            ],
          },
        ],
        outputDir,
        signal: controller.signal,
        onLog: () => undefined,
        onProgress: () => undefined,
      },
      'statements',
    ).then(
      () => undefined,
      (e: unknown) => e,
    );
    expect((error as Error).message).toBe('cancelled by the test');
    expect(Date.now() - started).toBeLessThan(10_000);
    expect(await readdir(outputDir)).toEqual([]);
  });
});
