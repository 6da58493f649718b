import type { DslStepInput } from '@cdp/contracts';
import { describe, expect, it } from 'vitest';
import { lookup, type SchemaEnv, savedOutputs, schemasBeforeSteps } from './dsl-schema.ts';
import { definitionPlace, detailLabel, placeIssue } from './issues.ts';

const DM = {
  name: 'DM',
  partial: false,
  columns: [
    { name: 'USUBJID', type: 'string' },
    { name: 'ARMCD', type: 'string' },
    { name: 'AGE', type: 'number' },
    { name: 'RFSTDTC', type: 'string' },
  ],
};
const VS = {
  name: 'VS',
  partial: false,
  columns: [
    { name: 'USUBJID', type: 'string' },
    { name: 'VSTESTCD', type: 'string' },
    { name: 'AGE', type: 'number' },
  ],
};
const names = (env: SchemaEnv | undefined, dataset: string) =>
  lookup(env, dataset)?.columns.map((c) => `${c.name}:${c.type}`);

describe('schemasBeforeSteps', () => {
  it('offers each step the columns the steps before it left', () => {
    const steps: DslStepInput[] = [
      { operation: 'drop_columns', parameters: { dataset: 'DM', columns: ['RFSTDTC'] } },
      { operation: 'rename_columns', parameters: { dataset: 'dm', mapping: { ARMCD: 'ARM_CODE' } } },
      { operation: 'convert_types', parameters: { dataset: 'DM', conversions: { AGE: 'integer' } } },
      { operation: 'add_calculated_column', parameters: { dataset: 'DM', column_name: 'OLD', expression: 'AGE > 65' } },
      { operation: 'filter_rows', parameters: { dataset: 'DM', conditions: [], output_name: 'dm_old' } },
      { operation: 'save_dataset', parameters: { dataset: 'dm_old', output_name: 'dm_clean' } },
    ];
    const envs = schemasBeforeSteps([DM], steps);
    expect(envs).toHaveLength(7);
    expect(names(envs[0], 'DM')).toEqual(['USUBJID:string', 'ARMCD:string', 'AGE:number', 'RFSTDTC:string']);
    expect(names(envs[1], 'DM')).toEqual(['USUBJID:string', 'ARMCD:string', 'AGE:number']);
    expect(names(envs[2], 'DM')).toEqual(['USUBJID:string', 'ARM_CODE:string', 'AGE:number']);
    expect(names(envs[4], 'DM')).toEqual(['USUBJID:string', 'ARM_CODE:string', 'AGE:integer', 'OLD:calculated']);
    // A new output name leaves the input as it was.
    expect(names(envs[5], 'dm_old')).toEqual(names(envs[4], 'DM'));
    expect(lookup(envs[4], 'dm_old')).toBeUndefined();
    expect(savedOutputs(steps)).toEqual(['dm_clean']);
  });

  it('suffixes the non-key columns both sides of a merge have, and knows aggregate results', () => {
    const steps: DslStepInput[] = [
      { operation: 'merge_datasets', parameters: { left: 'DM', right: 'VS', on: ['USUBJID'], output_name: 'dmvs' } },
      {
        operation: 'aggregate',
        parameters: {
          dataset: 'dmvs',
          group_by: ['ARMCD'],
          measures: [
            { column: 'USUBJID', function: 'n_distinct', as: 'N' },
            { column: 'AGE_x', function: 'max', as: 'MAXAGE' },
          ],
        },
      },
    ];
    const envs = schemasBeforeSteps([DM, VS], steps);
    expect(names(envs[1], 'dmvs')).toEqual([
      'USUBJID:string',
      'ARMCD:string',
      'AGE_x:number',
      'RFSTDTC:string',
      'VSTESTCD:string',
      'AGE_y:number',
    ]);
    expect(names(envs[2], 'dmvs')).toEqual(['ARMCD:string', 'N:integer', 'MAXAGE:number']);
  });

  it('marks a pivot partial: its new columns come from the data', () => {
    const envs = schemasBeforeSteps(
      [VS],
      [{ operation: 'pivot', parameters: { dataset: 'VS', index: ['USUBJID'], columns: 'VSTESTCD', values: 'AGE' } }],
    );
    expect(lookup(envs[1], 'VS')).toMatchObject({ partial: true, columns: [{ name: 'USUBJID' }] });
  });
});

describe('placeIssue', () => {
  it('puts an issue on the step and parameter its path names', () => {
    expect(
      placeIssue({
        path: 'steps[3].parameters.conditions[1].column',
        message: 'no column "DMDTC" in DM (after step 2)',
      }),
    ).toMatchObject({ step: 3, parameter: 'conditions', detail: '[1].column' });
    expect(placeIssue({ path: 'body.steps[0].operation', message: 'x' })).toMatchObject({ step: 0, parameter: null });
    expect(placeIssue({ path: 'statements[1].sql', message: 'x' })).toMatchObject({ step: null, statement: 1 });
    expect(placeIssue({ path: 'inputs[0].source', message: 'x' })).toMatchObject({ step: null, statement: null });
  });

  it('says the step the editor numbers from 1: "after step 2" of the server is the list\'s step 3', () => {
    expect(
      placeIssue({
        path: 'steps[3].parameters.expression',
        message: 'position 5: no column "WEIGHT" in DM (after step 2)',
      }).message,
    ).toBe('position 5: no column "WEIGHT" in DM (after step 3)');
  });

  it('names the place inside a parameter and outside the steps in words', () => {
    expect(detailLabel('[1].column')).toBe('row 2, column');
    expect(detailLabel('.AGE')).toBe('AGE');
    expect(detailLabel('[0]')).toBe('row 1');
    expect(definitionPlace('body.steps')).toBe('Steps');
    expect(definitionPlace('outputs')).toBe('Outputs');
  });
});
