import { describe, expect, it } from 'vitest';
import { clinicalWidgets } from '../clinical.ts';
import type { DatasetInfo } from '../mapping/dataset-info.ts';
import { suggestMapping } from '../mapping/index.ts';
import { ADSL, DM } from '../testing/cdisc-fixtures.ts';

/**
 * The lab widgets mapped by the suggestions alone on the two lab datasets they are tested on: the
 * demo generator's SDTM LB (with DM) and the CDISC pilot's ADLBHY (with ADSL), columns as stored.
 */

type Column = [string, string, string];
const dataset = (name: string, columns: Column[]): DatasetInfo => ({
  name,
  columns: columns.map(([column, label, type]) => ({ name: column, label, type })),
});

const LB = dataset('LB', [
  ['STUDYID', 'Study Identifier', 'string'],
  ['DOMAIN', 'Domain Abbreviation', 'string'],
  ['USUBJID', 'Unique Subject Identifier', 'string'],
  ['LBSEQ', 'Sequence Number', 'integer'],
  ['LBTESTCD', 'Lab Test or Examination Short Name', 'string'],
  ['LBTEST', 'Lab Test or Examination Name', 'string'],
  ['LBCAT', 'Category for Lab Test', 'string'],
  ['LBORRES', 'Result or Finding in Original Units', 'string'],
  ['LBORRESU', 'Original Units', 'string'],
  ['LBORNRLO', 'Reference Range Lower Limit in Orig Unit', 'string'],
  ['LBORNRHI', 'Reference Range Upper Limit in Orig Unit', 'string'],
  ['LBSTRESC', 'Character Result/Finding in Std Format', 'string'],
  ['LBSTRESN', 'Numeric Result/Finding in Standard Units', 'number'],
  ['LBSTRESU', 'Standard Units', 'string'],
  ['LBSTNRLO', 'Reference Range Lower Limit-Std Units', 'number'],
  ['LBSTNRHI', 'Reference Range Upper Limit-Std Units', 'number'],
  ['LBNRIND', 'Reference Range Indicator', 'string'],
  ['LBSTAT', 'Completion Status', 'string'],
  ['LBREASND', 'Reason Test Not Done', 'string'],
  ['LBSPEC', 'Specimen Type', 'string'],
  ['LBBLFL', 'Baseline Flag', 'string'],
  ['VISITNUM', 'Visit Number', 'number'],
  ['VISIT', 'Visit Name', 'string'],
  ['EPOCH', 'Epoch', 'string'],
  ['LBDTC', 'Date/Time of Specimen Collection', 'string'],
  ['LBDY', 'Study Day of Specimen Collection', 'integer'],
]);

/** cdiscpilot01 adam-tdf ADLBHY, read from the XPT (DATE-formatted numerics are dates). */
const ADLBHY = dataset('ADLBHY', [
  ['STUDYID', 'Study Identifier', 'string'],
  ['SUBJID', 'Subject Identifier for the Study', 'string'],
  ['USUBJID', 'Unique Subject Identifier', 'string'],
  ['TRTP', 'Planned Treatment', 'string'],
  ['TRTA', 'Actual Treatment', 'string'],
  ['TRTSDT', 'Date of First Exposure to Treatment', 'date'],
  ['TRTEDT', 'Date of Last Exposure to Treatment', 'date'],
  ['AGE', 'Age', 'number'],
  ['RACE', 'Race', 'string'],
  ['SEX', 'Sex', 'string'],
  ['SAFFL', 'Safety Population Flag', 'string'],
  ['AVISIT', 'Analysis Visit', 'string'],
  ['AVISITN', 'Analysis Visit (N)', 'number'],
  ['ADY', 'Analysis Relative Day', 'number'],
  ['ADT', 'Analysis Date', 'date'],
  ['VISIT', 'Visit Name', 'string'],
  ['VISITNUM', 'Visit Number', 'number'],
  ['PARAM', 'Parameter', 'string'],
  ['PARAMCD', 'Parameter Code', 'string'],
  ['PARAMN', 'Parameter (N)', 'number'],
  ['AVAL', 'Analysis Value', 'number'],
  ['BASE', 'Baseline Value', 'number'],
  ['A1LO', 'Analysis Range 1 Lower Limit', 'number'],
  ['A1HI', 'Analysis Range 1 Upper Limit', 'number'],
  ['R2A1LO', 'Ratio to Analysis Range 1 Lower Limit', 'number'],
  ['R2A1HI', 'Ratio to Analysis Range 1 Upper Limit', 'number'],
  ['ABLFL', 'Baseline Record Flag', 'string'],
  ['SHIFT1', 'Shift 1', 'string'],
]);

const LAB_TYPES = ['edish', 'hys-law-cases', 'lab-shift', 'lab-trend', 'lab-outliers'];
const labWidgets = clinicalWidgets.filter((w) => LAB_TYPES.includes(w.type));

describe.each([
  {
    standard: 'SDTM',
    datasets: [DM, LB],
    expected: {
      dataset: 'LB',
      population: 'DM',
      lab_test_code: 'LBTESTCD',
      lab_value: 'LBSTRESN',
      lab_uln: 'LBSTNRHI',
      lab_lln: 'LBSTNRLO',
      baseline_flag: 'LBBLFL',
      lab_indicator: 'LBNRIND',
      lab_date: 'LBDTC',
      visit_order: 'VISITNUM',
      visit: 'VISIT',
      treatment_start: 'DM.RFXSTDTC',
    },
  },
  {
    standard: 'ADaM',
    datasets: [ADSL, ADLBHY],
    expected: {
      dataset: 'ADLBHY',
      population: 'ADSL',
      lab_test_code: 'PARAMCD',
      lab_value: 'AVAL',
      lab_uln: 'A1HI',
      lab_lln: 'A1LO',
      baseline_flag: 'ABLFL',
      lab_date: 'ADT',
      // ADLBHY carries both VISITNUM and AVISITN: on ADaM the analysis visit is preferred.
      visit_order: 'AVISITN',
      visit: 'AVISIT',
      treatment_start: 'TRTSDT',
    },
  },
])('the lab widgets on $standard', ({ datasets, expected }) => {
  it.each(labWidgets.map((w) => [w.type, w] as const))('%s maps fully by the suggestions', (_, widget) => {
    const { report, dataset: chosen, population, mapping } = suggestMapping({ widget, datasets });
    expect(report).toEqual({ coverage: 1, issues: [] });
    expect(chosen).toBe(expected.dataset);
    expect(population).toBe(expected.population);
    const mapped: Record<string, string | undefined> = mapping;
    for (const [key, column] of Object.entries(expected)) {
      if (key === 'dataset' || key === 'population' || !widget.fields.some((f) => f.key === key)) continue;
      expect(mapped[key], `${widget.type} ${key}`).toBe(column);
    }
  });
});
