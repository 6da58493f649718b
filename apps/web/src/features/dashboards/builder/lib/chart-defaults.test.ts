import type { DatasetSummary, WidgetDefinition } from '@cdp/contracts';
import { describe, expect, it } from 'vitest';
import { populationOnly } from '../components/column-picker.tsx';
import { countByCategoryDefaults, fewValuesColumn } from './chart-defaults.ts';

const dataset = (name: string, columns: Array<[string, string, string]>): DatasetSummary =>
  ({
    name,
    label: null,
    rows: 10,
    columns: columns.map(([column, type, label]) => ({ name: column, type, label, length: 8, format: null })),
    source: `${name}.xpt`,
    format: 'xpt',
    sha256: '',
    bytes: 0,
  }) as DatasetSummary;

const LB = dataset('LB', [
  ['STUDYID', 'string', 'Study Identifier'],
  ['USUBJID', 'string', 'Unique Subject Identifier'],
  ['LBSEQ', 'integer', 'Sequence Number'],
  ['LBTEST', 'string', 'Lab Test or Examination Name'],
  ['LBCAT', 'string', 'Category for Lab Test'],
  ['LBSTRESN', 'number', 'Numeric Result/Finding in Standard Units'],
  ['LBNRIND', 'string', 'Reference Range Indicator'],
]);
const AE = dataset('AE', [
  ['USUBJID', 'string', 'Unique Subject Identifier'],
  ['AETERM', 'string', 'Reported Term'],
  ['AEBODSYS', 'string', 'Body System or Organ Class'],
  ['AESEV', 'string', 'Severity/Intensity'],
]);

describe('fewValuesColumn', () => {
  it.each([
    [LB, 'LBNRIND'],
    [AE, 'AESEV'],
    [
      dataset('DM', [
        ['USUBJID', 'string', ''],
        ['AGE', 'integer', ''],
        ['SEX', 'string', ''],
        ['ARM', 'string', ''],
      ]),
      'ARM',
    ],
    [
      dataset('XX', [
        ['USUBJID', 'string', ''],
        ['XXTERM', 'string', ''],
        ['COLOUR', 'string', ''],
      ]),
      'COLOUR',
    ],
    [
      dataset('YY', [
        ['USUBJID', 'string', ''],
        ['N', 'number', ''],
      ]),
      undefined,
    ],
  ])('%#: %s', (ds, expected) => {
    expect(fewValuesColumn(ds)).toBe(expected);
  });
});

describe('countByCategoryDefaults', () => {
  const bar = (mapping: Record<string, string>): WidgetDefinition => ({
    type: 'bar',
    title: 'Bar chart',
    optionsVersion: 1,
    options: { measure: 'count', countSubjects: false, orientation: 'vertical' },
    data: { dataset: 'LB', mapping, filters: [] },
  });

  it('turns "count of LBSTRESN by LBTEST" into subjects by the reference range indicator', () => {
    const out = countByCategoryDefaults(
      bar({ subject_id: 'USUBJID', category: 'LBTEST', value: 'LBSTRESN' }),
      [LB],
      'Bar chart',
    );
    expect(out.data.mapping).toEqual({ subject_id: 'USUBJID', category: 'LBNRIND' });
    expect(out.options).toMatchObject({ measure: 'count', countSubjects: true, orientation: 'vertical' });
    expect(out.title).toBe('Subjects by Reference Range Indicator');
  });

  it('keeps a suggested category that already has few values, and a title someone typed', () => {
    const widget = { ...bar({ category: 'LBCAT' }), title: 'Lab categories' };
    const out = countByCategoryDefaults(widget, [LB], 'Bar chart');
    expect(out.data.mapping).toEqual({ category: 'LBCAT' });
    expect(out.options).toMatchObject({ countSubjects: false });
    expect(out.title).toBe('Lab categories');
  });

  it('leaves other widget types alone', () => {
    const line = { ...bar({ category: 'LBTEST' }), type: 'line' };
    expect(countByCategoryDefaults(line, [LB], 'Line chart')).toBe(line);
  });
});

describe('the column picker', () => {
  it('offers each column once: the population adds only the columns the dataset lacks', () => {
    const DM = dataset('DM', [
      ['STUDYID', 'string', 'Study Identifier'],
      ['USUBJID', 'string', 'Unique Subject Identifier'],
      ['ARM', 'string', 'Description of Planned Arm'],
    ]);
    expect(populationOnly(AE, DM).map((c) => c.name)).toEqual(['STUDYID', 'ARM']);
    expect(populationOnly(DM, DM)).toEqual([]);
  });
});
