import { existsSync } from 'node:fs';
import { mkdtemp, readdir } from 'node:fs/promises';
import path from 'node:path';
import type { DslBodyInput } from '@cdp/contracts';
import { EXAMPLE_PIPELINES } from '@cdp/contracts';
import { DuckDBInstance } from '@duckdb/node-api';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { PipelineDefinitionError, type PipelineInput } from '../executor.ts';
import { openPilot, type Pilot, readRows } from '../testing.ts';
import { checkDsl } from './check-dsl.ts';
import { executeDsl } from './execute-dsl.ts';
import { previewDsl } from './preview-dsl.ts';

let pilot: Pilot;
beforeAll(async () => {
  pilot = await openPilot(['DM', 'AE', 'DS']);
});
afterAll(() => pilot?.close());

const schemas = () => Object.values(pilot.inputs);
const issuesOf = (body: unknown) => checkDsl(body, schemas()).issues;

describe('checkDsl names the step and the path of every problem', () => {
  it('a column dropped by an earlier step', () => {
    const body: DslBodyInput = {
      steps: [
        { operation: 'drop_columns', parameters: { dataset: 'DM', columns: ['DMDTC'] } },
        { operation: 'rename_columns', parameters: { dataset: 'DM', mapping: { AGE: 'AGEYRS' } } },
        {
          operation: 'add_calculated_column',
          parameters: { dataset: 'DM', column_name: 'OLD', expression: 'AGEYRS >= 65' },
        },
        {
          operation: 'filter_rows',
          parameters: {
            dataset: 'DM',
            conditions: [
              { column: 'ARMCD', operator: 'not_equals', value: 'Scrnfail' },
              { column: 'DMDTC', operator: 'is_not_null' },
            ],
          },
        },
        { operation: 'save_dataset', parameters: { dataset: 'DM', output_name: 'dm' } },
      ],
    };
    expect(issuesOf(body)).toEqual([
      { path: 'steps[3].parameters.conditions[1].column', message: 'no column "DMDTC" in DM (after step 2)' },
    ]);
  });

  it('an unknown column in an input, and one in an expression, with its position', () => {
    const issues = issuesOf({
      steps: [
        { operation: 'select_columns', parameters: { dataset: 'dm', columns: ['USUBJID', 'WEIGHT'] } },
        {
          operation: 'add_calculated_column',
          parameters: { dataset: 'DM', column_name: 'X', expression: 'bmi(WEIGHT, 170)' },
        },
        { operation: 'save_dataset', parameters: { dataset: 'DM', output_name: 'dm' } },
      ],
    });
    expect(issues).toEqual([
      { path: 'steps[0].parameters.columns[1]', message: 'no column "WEIGHT" in DM' },
      { path: 'steps[1].parameters.expression', message: 'position 5: no column "WEIGHT" in DM (after step 0)' },
    ]);
  });

  it('type mismatches in conditions and expressions', () => {
    const issues = issuesOf({
      steps: [
        {
          operation: 'filter_rows',
          parameters: { dataset: 'DM', conditions: [{ column: 'AGE', operator: 'equals', value: 'old' }] },
        },
        {
          operation: 'filter_rows',
          parameters: { dataset: 'DM', conditions: [{ column: 'AGE', operator: 'contains', value: '6' }] },
        },
        {
          operation: 'add_calculated_column',
          parameters: { dataset: 'DM', column_name: 'X', expression: 'AGE + SEX' },
        },
        {
          operation: 'aggregate',
          parameters: { dataset: 'DM', group_by: ['ARM'], measures: [{ column: 'SEX', function: 'mean', as: 'M' }] },
        },
        { operation: 'merge_datasets', parameters: { left: 'DM', right: 'AE', on: ['USUBJID'], output_name: 'M' } },
        { operation: 'save_dataset', parameters: { dataset: 'DM', output_name: 'dm' } },
      ],
    });
    expect(issues).toEqual([
      {
        path: 'steps[0].parameters.conditions[0].value',
        message: 'type mismatch: AGE is a number, the value "old" is not',
      },
      { path: 'steps[1].parameters.conditions[0].operator', message: '"contains" works on text; AGE is a number' },
      {
        path: 'steps[2].parameters.expression',
        message: 'position 5: use concat(a, b) to join text; "+" adds numbers',
      },
      { path: 'steps[3].parameters.measures[0].function', message: '"mean" needs numbers; SEX is text' },
    ]);
  });

  it('a bad operator, a missing value and an unknown operation come from the contract', () => {
    const issues = issuesOf({
      steps: [
        {
          operation: 'filter_rows',
          parameters: { dataset: 'DM', conditions: [{ column: 'AGE', operator: 'like', value: 6 }] },
        },
        {
          operation: 'filter_rows',
          parameters: { dataset: 'DM', conditions: [{ column: 'AGE', operator: 'between', value: [1] }] },
        },
        { operation: 'explode', parameters: {} },
      ],
    });
    expect(issues.map((i) => i.path)).toEqual([
      'steps[0].parameters.conditions[0].operator',
      'steps[1].parameters.conditions[0].value',
      'steps[2].operation',
    ]);
    expect(issues[0]?.message).toMatch(/^"like" is not one of: equals, not_equals, /);
    expect(issues[1]?.message).toBe('"between" needs two values: [low, high]');
    expect(issues[2]?.message).toMatch(/^unknown operation "explode": one of select_columns, /);
  });

  it('an unknown dataset, a save of nothing and a duplicate output', () => {
    expect(
      issuesOf({ steps: [{ operation: 'drop_columns', parameters: { dataset: 'LB', columns: ['LBTEST'] } }] }),
    ).toEqual([{ path: 'steps[0].parameters.dataset', message: 'no dataset "LB" (there are: DM, AE, DS)' }]);
    expect(
      issuesOf({ steps: [{ operation: 'drop_columns', parameters: { dataset: 'DM', columns: ['AGE'] } }] }),
    ).toEqual([{ path: 'steps', message: 'the pipeline saves nothing: add a "Save as output" step (save_dataset)' }]);
    expect(
      issuesOf({
        steps: [
          { operation: 'save_dataset', parameters: { dataset: 'DM', output_name: 'x' } },
          { operation: 'save_dataset', parameters: { dataset: 'AE', output_name: 'X' } },
        ],
      }),
    ).toEqual([
      { path: 'steps[1].parameters.output_name', message: 'an earlier step already saves an output named "X"' },
    ]);
  });

  it('reports the outputs a valid pipeline makes, with their types', () => {
    const check = checkDsl(
      {
        steps: [
          {
            operation: 'convert_types',
            parameters: { dataset: 'DM', conversions: { RFSTDTC: 'date', AGE: 'integer' } },
          },
          {
            operation: 'add_calculated_column',
            parameters: { dataset: 'DM', column_name: 'SDY', expression: 'study_day(DMDTC, RFSTDTC)' },
          },
          { operation: 'select_columns', parameters: { dataset: 'DM', columns: ['USUBJID', 'RFSTDTC', 'AGE', 'SDY'] } },
          { operation: 'save_dataset', parameters: { dataset: 'DM', output_name: 'dm' } },
        ],
      },
      schemas(),
    );
    expect(check).toEqual({
      issues: [],
      outputs: [
        {
          name: 'dm',
          columns: [
            { name: 'USUBJID', type: 'string', label: 'Unique Subject Identifier' },
            { name: 'RFSTDTC', type: 'date', label: 'Subject Reference Start Date/Time' },
            { name: 'AGE', type: 'integer', label: 'Age' },
            { name: 'SDY', type: 'integer' },
          ],
        },
      ],
    });
  });
});

describe('executeDsl refuses a bad definition and leaves nothing behind', () => {
  const run = async (body: unknown, inputs: PipelineInput[]) => {
    const outputDir = await mkdtemp(path.join(pilot.dir, 'bad-'));
    const error = await executeDsl({
      kind: 'dsl',
      body,
      inputs,
      outputDir,
      signal: new AbortController().signal,
      onLog: () => undefined,
      onProgress: () => undefined,
    }).then(
      () => undefined,
      (e: unknown) => e,
    );
    return { error, files: await readdir(outputDir) };
  };

  it('before any work', async () => {
    const { error, files } = await run(
      { steps: [{ operation: 'drop_columns', parameters: { dataset: 'DM', columns: ['NOPE'] } }] },
      [pilot.inputs.DM as PipelineInput],
    );
    expect(error).toBeInstanceOf(PipelineDefinitionError);
    expect((error as PipelineDefinitionError).issues).toEqual([
      { path: 'steps[0].parameters.columns[0]', message: 'no column "NOPE" in DM' },
    ]);
    expect(files).toEqual([]);
  });

  it('when a column after a pivot turns out not to exist (known only at run time), after an earlier save', async () => {
    const { error, files } = await run(
      {
        steps: [
          { operation: 'save_dataset', parameters: { dataset: 'AE', output_name: 'ae' } },
          {
            operation: 'pivot',
            parameters: { dataset: 'AE', index: ['USUBJID'], columns: 'AESEV', values: 'AESEQ', aggregate: 'count' },
          },
          { operation: 'select_columns', parameters: { dataset: 'AE', columns: ['USUBJID', 'MILD', 'CATASTROPHIC'] } },
          { operation: 'save_dataset', parameters: { dataset: 'AE', output_name: 'severity' } },
        ],
      },
      [pilot.inputs.AE as PipelineInput],
    );
    expect((error as PipelineDefinitionError).issues).toEqual([
      { path: 'steps[2].parameters.columns[2]', message: 'no column "CATASTROPHIC" in AE (after step 1)' },
    ]);
    expect(files).toEqual([]);
  });
});

describe('cancel', () => {
  it('interrupts DuckDB mid-step and removes the outputs already written', async () => {
    // A join of 300,000 rows with themselves on one key: hours of work, unless interrupted.
    const file = path.join(pilot.dir, 'big.parquet');
    const db = await DuckDBInstance.create(':memory:');
    const connection = await db.connect();
    await connection.run(`COPY (SELECT 1 AS K, i AS V FROM range(300000) t(i)) TO '${file}' (FORMAT parquet)`);
    connection.closeSync();
    db.closeSync();
    const big: PipelineInput = {
      name: 'BIG',
      path: file,
      columns: [
        { name: 'K', type: 'integer' },
        { name: 'V', type: 'integer' },
      ],
    };
    const outputDir = await mkdtemp(path.join(pilot.dir, 'cancel-'));
    const controller = new AbortController();
    const started = Date.now();
    const steps: number[] = [];
    const error = await executeDsl({
      kind: 'dsl',
      body: {
        steps: [
          { operation: 'save_dataset', parameters: { dataset: 'BIG', output_name: 'first' } },
          { operation: 'merge_datasets', parameters: { left: 'BIG', right: 'BIG', on: ['K'], output_name: 'HUGE' } },
          { operation: 'save_dataset', parameters: { dataset: 'HUGE', output_name: 'huge' } },
        ],
      },
      inputs: [big],
      outputDir,
      signal: controller.signal,
      onLog: () => undefined,
      onProgress: (p) => {
        steps.push(p.step);
        // The first output is on disk: cancel while the merge runs.
        if (p.step === 1) setTimeout(() => controller.abort(new Error('cancelled by the test')), 300);
      },
    }).then(
      () => undefined,
      (e: unknown) => e,
    );
    expect((error as Error).message).toBe('cancelled by the test');
    expect(steps).toEqual([1]);
    expect(Date.now() - started).toBeLessThan(10_000);
    expect(await readdir(outputDir)).toEqual([]);
  });
});

describe('previewDsl', () => {
  it('shows the first rows after a step, as the run would make them', async () => {
    const body: DslBodyInput = {
      steps: [
        {
          operation: 'filter_rows',
          parameters: { dataset: 'DM', conditions: [{ column: 'ARMCD', operator: 'equals', value: 'Xan_Hi' }] },
        },
        { operation: 'convert_types', parameters: { dataset: 'DM', conversions: { RFSTDTC: 'date' } } },
        { operation: 'select_columns', parameters: { dataset: 'DM', columns: ['USUBJID', 'RFSTDTC', 'AGE'] } },
        { operation: 'sort_by', parameters: { dataset: 'DM', columns: [{ column: 'AGE', descending: true }] } },
        { operation: 'save_dataset', parameters: { dataset: 'DM', output_name: 'dm' } },
      ],
    };
    const preview = await previewDsl({ body, inputs: [pilot.inputs.DM as PipelineInput], uptoStep: 3, limit: 5 });
    const expected = await pilot.sql(
      `SELECT USUBJID, CAST(RFSTDTC AS VARCHAR) AS RFSTDTC, AGE FROM (SELECT *, file_row_number AS n FROM read_parquet({DM}, file_row_number = true)) WHERE ARMCD = 'Xan_Hi' ORDER BY AGE DESC, n LIMIT 5`,
    );
    expect(preview.dataset).toBe('DM');
    expect(preview.columns.map((c) => [c.name, c.type])).toEqual([
      ['USUBJID', 'string'],
      ['RFSTDTC', 'date'],
      ['AGE', 'number'],
    ]);
    expect(preview.rows).toEqual(expected.map((r) => [r.USUBJID, r.RFSTDTC, r.AGE]));

    const early = await previewDsl({ body, inputs: [pilot.inputs.DM as PipelineInput], uptoStep: 0 });
    expect(early.rows).toHaveLength(50);
    expect(early.columns).toHaveLength(pilot.inputs.DM?.columns.length ?? 0);
  });

  it('previews an unfinished pipeline (no save step yet), which a run would refuse', async () => {
    const body: DslBodyInput = {
      steps: [
        {
          operation: 'filter_rows',
          parameters: { dataset: 'DM', conditions: [{ column: 'ARMCD', operator: 'equals', value: 'Pbo' }] },
        },
        {
          operation: 'add_calculated_column',
          parameters: { dataset: 'DM', column_name: 'AGEMON', expression: 'AGE * 12' },
        },
      ],
    };
    expect(checkDsl(body, [pilot.inputs.DM as PipelineInput]).issues.map((i) => i.path)).toEqual(['steps']);
    const preview = await previewDsl({ body, inputs: [pilot.inputs.DM as PipelineInput], uptoStep: 1, limit: 1000 });
    const expected = await pilot.sql(
      `SELECT USUBJID, AGE * 12 AS AGEMON FROM read_parquet({DM}, file_row_number = true) WHERE ARMCD = 'Pbo' ORDER BY file_row_number`,
    );
    const subject = preview.columns.findIndex((c) => c.name === 'USUBJID');
    const months = preview.columns.findIndex((c) => c.name === 'AGEMON');
    expect(preview.rows.map((r) => [r[subject], Number(r[months])])).toEqual(
      expected.map((r) => [r.USUBJID, Number(r.AGEMON)]),
    );
  });

  it('refuses a step index outside the pipeline', async () => {
    await expect(
      previewDsl({ body: EXAMPLE_PIPELINES[0]?.body, inputs: [pilot.inputs.DS as PipelineInput], uptoStep: 9 }),
    ).rejects.toThrow('uptoStep must be a step index from 0 to 4');
  });
});

describe('the built-in examples run as written on the pilot study', () => {
  it('ENROL from DS, then dm_clean from DM and ENROL', async () => {
    const [enrolment, dmClean] = EXAMPLE_PIPELINES;
    if (!enrolment || !dmClean) throw new Error('examples missing');
    const first = await pilot.run(enrolment.body, ['DS']);
    const enrol = first.outputs.ENROL ?? [];
    const disposition = await pilot.sql(`SELECT USUBJID, DSDECOD, DSSTDTC FROM {DS} WHERE DSCAT = 'DISPOSITION EVENT'`);
    expect(enrol.map((r) => [r.USUBJID, r.ENRLSTAT, r.ENRLENDTC])).toEqual(
      disposition.map((r) => [r.USUBJID, r.DSDECOD, r.DSSTDTC]),
    );

    const outputDir = await mkdtemp(path.join(pilot.dir, 'example-'));
    const enrolFile = path.join(first.outputDir, 'ENROL.parquet');
    expect(existsSync(enrolFile)).toBe(true);
    const inputs: PipelineInput[] = [
      pilot.inputs.DM as PipelineInput,
      {
        name: 'ENROL',
        path: enrolFile,
        columns: [
          { name: 'STUDYID', type: 'string' },
          { name: 'USUBJID', type: 'string' },
          { name: 'ENRLSTAT', type: 'string' },
          { name: 'ENRLENDTC', type: 'string' },
        ],
      },
    ];
    expect(checkDsl(dmClean.body, inputs).issues).toEqual([]);
    const result = await executeDsl({
      kind: 'dsl',
      body: dmClean.body,
      inputs,
      outputDir,
      signal: new AbortController().signal,
      onLog: () => undefined,
      onProgress: () => undefined,
    });
    expect(result.outputs.map((o) => o.name)).toEqual(['dm_clean']);

    const db = await DuckDBInstance.create(':memory:');
    const connection = await db.connect();
    const rows = await readRows(connection, `SELECT * FROM '${result.outputs[0]?.path}'`);
    const expected = await pilot.sql(
      `SELECT d.USUBJID, CAST(d.AGE AS BIGINT) AS AGE, CASE WHEN d.AGE < 18 THEN '<18' WHEN d.AGE < 65 THEN '18-64' ELSE '>=65' END AS AGE_GROUP, s.DSDECOD
       FROM {DM} d LEFT JOIN (SELECT * FROM {DS} WHERE DSCAT = 'DISPOSITION EVENT') s USING (USUBJID)
       WHERE d.DMDTC IS NOT NULL AND d.ARMCD <> 'Scrnfail' ORDER BY d.USUBJID`,
    );
    connection.closeSync();
    db.closeSync();
    expect(rows).toHaveLength(254);
    expect(result.outputs[0]?.rows).toBe(254);
    expect(rows.map((r) => [r.USUBJID, r.AGE, r.AGE_GROUP, r.ENRLSTAT]).sort()).toEqual(
      expected.map((r) => [r.USUBJID, r.AGE, r.AGE_GROUP, r.DSDECOD]).sort(),
    );
    expect(Object.keys(rows[0] ?? {})).not.toContain('RFXSTDTC');
    expect(typeof rows[0]?.RFSTDTC).toBe('string');
    expect(String(rows[0]?.RFSTDTC)).toMatch(/^\d{4}-\d{2}-\d{2}$/);
  });
});
