import type { MappingIssue } from '@cdp/contracts';
import { describe, expect, it } from 'vitest';
import { z } from 'zod';
import { clinicalWidgets } from '../clinical.ts';
import { ADAE, ADAM_VERSION, ADSL, ADTTE, AE, DM, DS, SDTM_VERSION } from '../testing.ts';
import type { WidgetType } from '../types.ts';
import type { DatasetInfo } from './dataset-info.ts';
import { suggestMapping, validateMapping } from './index.ts';
import { jaroWinkler } from './similarity.ts';

const widget = (type: string): WidgetType => {
  const found = clinicalWidgets.find((w) => w.type === type);
  if (!found) throw new Error(`no widget type ${type}`);
  return found;
};

const FILTER_FIELDS = ['arm', 'site', 'country', 'sex', 'age', 'race'];

describe('suggestMapping on the CDISC pilot ADaM (ADSL, ADAE)', () => {
  it.each([
    {
      type: 'demographics',
      dataset: 'ADSL',
      mapping: {
        subject_id: 'USUBJID',
        arm: 'TRT01A',
        age: 'AGE',
        sex: 'SEX',
        race: 'RACE',
        ethnicity: 'ETHNIC',
        population_flag: 'SAFFL',
      },
    },
    {
      // Subject attributes come from ADSL; ADAE's copies of them are read in place.
      type: 'ae-incidence',
      dataset: 'ADAE',
      mapping: {
        subject_id: 'USUBJID',
        arm: 'ADSL.TRT01A',
        ae_body_system: 'AEBODSYS',
        ae_term: 'AEDECOD',
        ae_treatment_emergent: 'TRTEMFL',
        population_flag: 'SAFFL',
        treatment_start: 'TRTSDT',
        event_arm: 'TRTA',
      },
    },
    {
      type: 'total-aes',
      dataset: 'ADAE',
      mapping: { subject_id: 'USUBJID', ae_start_date: 'ASTDT', ae_treatment_emergent: 'TRTEMFL' },
    },
    { type: 'enrollment-trend', dataset: 'ADSL', mapping: { subject_id: 'USUBJID', enrollment_date: 'RFSTDTC' } },
    {
      type: 'subject-flow',
      dataset: 'ADSL',
      mapping: {
        subject_id: 'USUBJID',
        arm: 'TRT01A',
        enrollment_date: 'RFSTDTC',
        treatment_start: 'TRTSDT',
        disposition: 'DCDECOD',
        disposition_reason: 'DCSREAS',
      },
    },
    {
      // The site table finds its AEs in ADAE and semi-joins them.
      type: 'site-summary',
      dataset: 'ADSL',
      mapping: {
        subject_id: 'USUBJID',
        site: 'SITEID',
        arm: 'TRT01A',
        enrollment_date: 'RFSTDTC',
        disposition: 'DCDECOD',
        ae_term: 'ADAE.AEDECOD',
        ae_serious: 'ADAE.AESER',
        ae_treatment_emergent: 'ADAE.TRTEMFL',
      },
    },
  ])('$type reads $dataset with ADSL as population, every suggestion CDISC knowledge', ({ type, dataset, mapping }) => {
    const response = suggestMapping({ widget: widget(type), datasets: ADAM_VERSION });
    expect(response.dataset).toBe(dataset);
    expect(response.population).toBe('ADSL');
    expect(response.mapping).toEqual(mapping);
    expect(response.suggestions.every((s) => s.confidence >= 0.9 && s.reason.startsWith('CDISC variable'))).toBe(true);
    expect(response.report).toEqual({ coverage: 1, issues: [] });
  });

  it('maps the dashboard filter fields too: on ADAE the arm joins ADSL, the rest are ADAE copies', () => {
    const response = suggestMapping({
      widget: widget('serious-aes'),
      datasets: ADAM_VERSION,
      extraFields: FILTER_FIELDS,
    });
    expect(response.mapping).toEqual({
      subject_id: 'USUBJID',
      ae_serious: 'AESER',
      ae_start_date: 'ASTDT',
      ae_treatment_emergent: 'TRTEMFL',
      arm: 'ADSL.TRT01A',
      site: 'SITEID',
      sex: 'SEX',
      age: 'AGE',
      race: 'RACE',
    });
    expect(response.suggestions.find((s) => s.field === 'arm')).toEqual({
      field: 'arm',
      column: 'ADSL.TRT01A',
      confidence: 1,
      reason: 'CDISC variable TRT01A (Actual Treatment for Period 01) in ADSL',
    });
    expect(response.candidates.arm?.map((c) => c.column)).toEqual(['ADSL.TRT01A', 'ADSL.TRT01P', 'ADSL.ARM', 'TRTA']);
    expect(response.candidates.country).toEqual([]);
  });

  it('reports what the data cannot give: ADSL has no country for the site map', () => {
    const response = suggestMapping({ widget: widget('site-map'), datasets: ADAM_VERSION });
    expect(response.report).toEqual({
      coverage: 0.5,
      issues: [{ field: 'country', kind: 'missing', message: 'Country (country) is required: map it to a column' }],
    });
  });
});

describe('suggestMapping on the demo study SDTM (DM, DS, AE)', () => {
  it.each([
    {
      type: 'total-screened',
      dataset: 'DM',
      mapping: { subject_id: 'USUBJID', screening_date: 'RFICDTC' },
    },
    {
      type: 'screen-failures',
      dataset: 'DM',
      mapping: { subject_id: 'USUBJID', arm: 'ARM', screen_failure: 'ARMCD', screening_date: 'RFICDTC' },
    },
    {
      type: 'ae-incidence',
      dataset: 'AE',
      mapping: {
        subject_id: 'USUBJID',
        arm: 'DM.ARM',
        ae_body_system: 'AEBODSYS',
        ae_term: 'AEDECOD',
        treatment_start: 'DM.RFXSTDTC',
      },
    },
    {
      type: 'ae-timeline',
      dataset: 'AE',
      mapping: { subject_id: 'USUBJID', ae_start_date: 'AESTDTC', ae_severity: 'AESEV', ae_serious: 'AESER' },
    },
    {
      // The disposition is DS's end-of-study record: DSDECOD with DSCAT to pick it.
      type: 'subject-flow',
      dataset: 'DM',
      mapping: {
        subject_id: 'USUBJID',
        arm: 'ARM',
        screen_failure: 'ARMCD',
        enrollment_date: 'RFSTDTC',
        treatment_start: 'RFXSTDTC',
        disposition: 'DS.DSDECOD',
        disposition_category: 'DS.DSCAT',
        disposition_reason: 'DS.DSDECOD',
      },
    },
    { type: 'site-map', dataset: 'DM', mapping: { subject_id: 'USUBJID', country: 'COUNTRY', site: 'SITEID' } },
  ])('$type reads $dataset with DM as population', ({ type, dataset, mapping }) => {
    const response = suggestMapping({ widget: widget(type), datasets: SDTM_VERSION });
    expect(response.dataset).toBe(dataset);
    expect(response.population).toBe('DM');
    expect(response.mapping).toEqual(mapping);
    expect(response.report).toEqual({ coverage: 1, issues: [] });
  });

  it('stays within the standard of the widget dataset when a version holds both', () => {
    const datasets = [...ADAM_VERSION, ...SDTM_VERSION];
    expect(suggestMapping({ widget: widget('ae-timeline'), datasets })).toMatchObject({
      dataset: 'ADAE',
      population: 'ADSL',
    });
    expect(suggestMapping({ widget: widget('ae-timeline'), datasets, dataset: 'ae' })).toMatchObject({
      dataset: 'AE',
      population: 'DM',
    });
    const site = suggestMapping({ widget: widget('site-summary'), datasets, dataset: 'DM' });
    expect(site.mapping.ae_term).toBe('AE.AEDECOD');
    const adam = suggestMapping({ widget: widget('site-summary'), datasets, dataset: 'ADSL' });
    expect(adam.mapping.ae_term).toBe('ADAE.AEDECOD');
  });
});

describe('suggestMapping by names and labels', () => {
  const PATIENTS: DatasetInfo = {
    name: 'PATIENTS',
    columns: [
      { name: 'PATIENT_ID', label: 'Patient number', type: 'string' },
      { name: 'TREATMENT_GROUP', label: 'Treatment group', type: 'string' },
      { name: 'CENTRE', label: 'Investigational centre', type: 'integer' },
      { name: 'AGE_YRS', label: 'Age at consent (years)', type: 'integer' },
      { name: 'AGE_GROUP', label: 'Age group', type: 'string' },
      { name: 'GENDER', label: null, type: 'string' },
      { name: 'RAND_DATE', label: 'Randomisation date', type: 'string' },
      { name: 'RAND_NOTE', label: 'Randomisation comment', type: 'string' },
      { name: 'NATION', label: 'Country of site', type: 'string' },
    ],
  };

  it('maps by resemblance below CDISC confidence, with its reason in words, and type-checks', () => {
    const response = suggestMapping({ widget: widget('subject-listing'), datasets: [PATIENTS] });
    expect(response.dataset).toBe('PATIENTS');
    expect(response.population).toBeNull();
    expect(response.suggestions).toEqual([
      {
        field: 'subject_id',
        column: 'PATIENT_ID',
        confidence: 0.8,
        reason: 'label "Patient number" resembles Subject; name PATIENT_ID resembles Subject',
      },
      {
        field: 'site',
        column: 'CENTRE',
        confidence: 0.8,
        reason: 'label "Investigational centre" resembles Site; name CENTRE resembles Site',
      },
      {
        field: 'country',
        column: 'NATION',
        confidence: 0.8,
        reason: 'label "Country of site" resembles Country; name NATION resembles Country',
      },
      {
        field: 'arm',
        column: 'TREATMENT_GROUP',
        confidence: 0.8,
        reason: 'label "Treatment group" resembles Treatment arm; name TREATMENT_GROUP resembles Treatment arm',
      },
      { field: 'sex', column: 'GENDER', confidence: 0.75, reason: 'name GENDER resembles Sex' },
      {
        field: 'age',
        column: 'AGE_YRS',
        confidence: 0.7,
        reason: 'label "Age at consent (years)" resembles Age; name AGE_YRS resembles Age',
      },
      {
        field: 'enrollment_date',
        column: 'RAND_DATE',
        confidence: 0.8,
        reason: 'label "Randomisation date" resembles Enrollment date; name RAND_DATE resembles RANDDT',
      },
    ]);
    // Text that does not look like a date is never a date field's; a text age group is no age.
    expect(response.candidates.enrollment_date?.map((c) => c.column)).toEqual(['RAND_DATE']);
    expect(response.candidates.age?.map((c) => c.column)).toEqual(['AGE_YRS']);
  });

  it.each([
    { a: 'USUBJID', b: 'USUBJID', at_least: 1, below: 1.01 },
    { a: 'USUBJ_ID', b: 'USUBJID', at_least: 0.95, below: 1 },
    { a: 'ARM', b: 'ARMCD', at_least: 0.9, below: 0.92 },
    { a: 'AGE', b: 'SEX', at_least: 0, below: 0.6 },
  ])('Jaro-Winkler $a ~ $b', ({ a, b, at_least, below }) => {
    const similarity = jaroWinkler(a, b);
    expect(similarity).toBeGreaterThanOrEqual(at_least);
    expect(similarity).toBeLessThan(below);
  });
});

interface ValidationCase {
  name: string;
  type: string;
  dataset: string;
  population: string | undefined;
  mapping: Record<string, string>;
  coverage: number;
  issues: MappingIssue[];
}

describe('validateMapping', () => {
  const datasets = [...SDTM_VERSION, ADSL, ADAE];
  it.each<ValidationCase>([
    {
      name: 'a complete SDTM mapping',
      type: 'ae-incidence',
      dataset: 'AE',
      population: 'DM',
      mapping: { subject_id: 'USUBJID', arm: 'DM.ARM', ae_body_system: 'AEBODSYS', ae_term: 'AEDECOD' },
      coverage: 1,
      issues: [],
    },
    {
      name: 'missing required fields',
      type: 'ae-incidence',
      dataset: 'AE',
      population: 'DM',
      mapping: { subject_id: 'USUBJID', arm: 'DM.ARM' },
      coverage: 0.5,
      issues: [
        {
          field: 'ae_body_system',
          kind: 'missing',
          message: 'AE body system (SOC) (ae_body_system) is required: map it to a column',
        },
        { field: 'ae_term', kind: 'missing', message: 'AE preferred term (ae_term) is required: map it to a column' },
      ],
    },
    {
      name: 'unknown dataset and column, a wrong type, no population',
      type: 'ae-incidence',
      dataset: 'AE',
      population: undefined,
      mapping: { subject_id: 'USUBJID', arm: 'XX.ARM', ae_body_system: 'AEBODSYSX', ae_term: 'AESEQ' },
      coverage: 0.25,
      issues: [
        {
          field: 'arm',
          kind: 'unknown-dataset',
          message: 'this widget needs a population dataset (ADSL or DM) for its denominators: choose one',
        },
        { field: 'arm', kind: 'unknown-dataset', message: 'arm: dataset "XX" is not in this data version' },
        { field: 'ae_body_system', kind: 'unknown-column', message: 'ae_body_system: column "AEBODSYSX" is not in AE' },
        {
          field: 'ae_term',
          kind: 'type-mismatch',
          message: 'ae_term: AESEQ in AE is a whole number; AE preferred term needs text',
        },
      ],
    },
    {
      name: 'a joined dataset without the subject id, a date that is not one',
      type: 'enrollment-trend',
      dataset: 'DM',
      population: 'DM',
      mapping: { subject_id: 'SUBJID', enrollment_date: 'AGE', site: 'DS.DSSEQ' },
      coverage: 0.5,
      issues: [
        {
          field: 'enrollment_date',
          kind: 'type-mismatch',
          message: 'enrollment_date: AGE in DM is a whole number; Enrollment date needs a date (or ISO 8601 text)',
        },
        {
          field: 'site',
          kind: 'unknown-column',
          message: 'site: DS has no SUBJID column to join it to DM on the subject',
        },
      ],
    },
    {
      name: "the widget's own dataset missing",
      type: 'total-aes',
      dataset: 'ADXX',
      population: 'ADSL',
      mapping: { subject_id: 'USUBJID' },
      coverage: 0,
      issues: [
        {
          field: 'subject_id',
          kind: 'unknown-dataset',
          message: 'subject_id: dataset "ADXX" is not in this data version',
        },
      ],
    },
  ])('$name', ({ type, dataset, population, mapping, coverage, issues }) => {
    expect(validateMapping(widget(type), mapping, datasets, dataset, population)).toEqual({ coverage, issues });
  });
});

describe('the clinical catalogue', () => {
  it('has unique types, each its folder name, with defaults its schema produces and options JSON Schema can describe', () => {
    const types = clinicalWidgets.map((w) => w.type);
    expect(new Set(types).size).toBe(types.length);
    expect(types.sort()).toEqual([
      'ae-explorer',
      'ae-incidence',
      'ae-timeline',
      'demographics',
      'edish',
      'enrollment-trend',
      'hys-law-cases',
      'kaplan-meier',
      'kri-site-chart',
      'kri-site-risk',
      'lab-outliers',
      'lab-shift',
      'lab-trend',
      'screen-failures',
      'serious-aes',
      'site-map',
      'site-summary',
      'subject-flow',
      'subject-listing',
      'total-aes',
      'total-screened',
    ]);
    for (const type of clinicalWidgets) {
      expect(type.options.parse({}), type.type).toEqual(type.defaultOptions);
      expect(type.optionsVersion).toBe(1);
      expect(
        type.fields.some((f) => f.key === 'subject_id' && f.required),
        type.type,
      ).toBe(true);
      expect(z.toJSONSchema(type.options, { io: 'input', unrepresentable: 'any' })).toMatchObject({ type: 'object' });
    }
  });

  it.each([
    ['ADaM', ADAM_VERSION],
    ['SDTM', SDTM_VERSION],
  ] as const)('every widget but the ADaM site map maps fully on the %s fixtures', (standard, datasets) => {
    for (const type of clinicalWidgets) {
      if (standard === 'ADaM' && type.type === 'site-map') continue;
      // Kaplan–Meier reads a time-to-event dataset neither fixture has: mapped on ADTTE below.
      if (type.type === 'kaplan-meier') continue;
      // The fixtures have no lab dataset: labs/lab-mapping.test.ts maps the lab widgets on LB and ADLBHY.
      if (type.datasets.includes('LB')) continue;
      expect(suggestMapping({ widget: type, datasets }).report, `${standard} ${type.type}`).toEqual({
        coverage: 1,
        issues: [],
      });
    }
  });

  it('maps Kaplan–Meier on the pilot ADTTE: AVAL, CNSR, PARAMCD, the arm and SAFFL from ADTTE itself', () => {
    const kaplanMeier = clinicalWidgets.find((w) => w.type === 'kaplan-meier') as WidgetType;
    const suggested = suggestMapping({ widget: kaplanMeier, datasets: [...ADAM_VERSION, ADTTE] });
    expect(suggested.report).toEqual({ coverage: 1, issues: [] });
    expect(suggested).toMatchObject({
      dataset: 'ADTTE',
      mapping: {
        subject_id: 'USUBJID',
        tte_time: 'AVAL',
        tte_censor: 'CNSR',
        tte_parameter: 'PARAMCD',
        population_flag: 'SAFFL',
      },
    });
    expect(['TRTA', 'TRTP']).toContain(String(suggested.mapping.arm).replace(/^ADTTE\./, ''));
  });

  it('knows every fixture dataset (guards the fixtures)', () => {
    expect([ADSL, ADAE, DM, DS, AE].map((d) => d.columns.length)).toEqual([49, 55, 25, 11, 20]);
  });
});
