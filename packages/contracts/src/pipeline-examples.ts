import type { DslBodyInput } from './pipeline-dsl.ts';

/** A built-in example: a DSL body and the study datasets (or other examples' outputs) it reads. */
export interface ExamplePipeline {
  key: string;
  name: string;
  description: string;
  /** Name in the definition → where it comes from: a dataset of the study, or another example's output. */
  inputs: { name: string; from: { dataset: string } | { pipeline: string; output: string } }[];
  body: DslBodyInput;
}

/**
 * The specification's example pipeline (drop columns, filter on DMDTC and ARMCD, convert types, add
 * AGE_GROUP, merge DM with ENROL, save dm_clean), and the pipeline that makes its ENROL input.
 * They live here, not in `@cdp/pipelines`, because the web editor offers them ("Start from an
 * example") as well as the engine's tests, warm-up and benchmark running them.
 *
 * ENROL is one row per subject saying how the subject's participation ended and when: the DS
 * disposition event (`DSCAT = "DISPOSITION EVENT"`), which every SDTM study has (the demo study and
 * the CDISC pilot alike), so both examples run as written on real data. The dm_clean example reads it
 * as the output of the enrolment example: pipelines chain (see docs/decisions.md).
 */
export const EXAMPLE_PIPELINES: ExamplePipeline[] = [
  {
    key: 'enrolment',
    name: 'Enrolment status (ENROL)',
    description: 'One row per subject from DS: how participation ended (ENRLSTAT) and when (ENRLENDTC).',
    inputs: [{ name: 'DS', from: { dataset: 'DS' } }],
    body: {
      steps: [
        {
          operation: 'filter_rows',
          description: 'Disposition events only (one per subject)',
          parameters: {
            dataset: 'DS',
            conditions: [{ column: 'DSCAT', operator: 'equals', value: 'DISPOSITION EVENT' }],
          },
        },
        {
          operation: 'drop_duplicates',
          description: 'One row per subject even if a study records two',
          parameters: { dataset: 'DS', columns: ['STUDYID', 'USUBJID'], keep: 'last' },
        },
        {
          operation: 'select_columns',
          parameters: { dataset: 'DS', columns: ['STUDYID', 'USUBJID', 'DSDECOD', 'DSSTDTC'], output_name: 'ENROL' },
        },
        {
          operation: 'rename_columns',
          parameters: { dataset: 'ENROL', mapping: { DSDECOD: 'ENRLSTAT', DSSTDTC: 'ENRLENDTC' } },
        },
        { operation: 'save_dataset', parameters: { dataset: 'ENROL', output_name: 'ENROL' } },
      ],
    },
  },
  {
    key: 'dm_clean',
    name: 'Clean demographics (dm_clean)',
    description:
      "The specification's example: DM without treatment-date columns, screen failures removed, dates typed, an age group, merged with ENROL.",
    inputs: [
      { name: 'DM', from: { dataset: 'DM' } },
      { name: 'ENROL', from: { pipeline: 'enrolment', output: 'ENROL' } },
    ],
    body: {
      steps: [
        {
          operation: 'drop_columns',
          parameters: { dataset: 'DM', columns: ['RFXSTDTC', 'RFXENDTC', 'RFPENDTC'] },
        },
        {
          operation: 'filter_rows',
          description: 'Collected subjects who were randomized (not screen failures)',
          parameters: {
            dataset: 'DM',
            conditions: [
              { column: 'DMDTC', operator: 'is_not_null' },
              { column: 'ARMCD', operator: 'not_in', value: ['SCRNFAIL', 'Scrnfail', 'NOTASSGN'] },
            ],
          },
        },
        {
          operation: 'convert_types',
          parameters: {
            dataset: 'DM',
            conversions: { RFSTDTC: 'date', RFENDTC: 'date', DMDTC: 'date', AGE: 'integer' },
          },
        },
        {
          operation: 'add_calculated_column',
          parameters: { dataset: 'DM', column_name: 'AGE_GROUP', expression: 'age_group(AGE, [18, 65])' },
        },
        {
          operation: 'merge_datasets',
          parameters: { left: 'DM', right: 'ENROL', on: ['STUDYID', 'USUBJID'], how: 'left', output_name: 'dm_clean' },
        },
        { operation: 'save_dataset', parameters: { dataset: 'dm_clean', output_name: 'dm_clean' } },
      ],
    },
  },
];
