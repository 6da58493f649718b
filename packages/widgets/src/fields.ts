import type { WidgetFieldSpec } from '@cdp/contracts';

type FieldInfo = Pick<WidgetFieldSpec, 'label' | 'types' | 'source'> & { description?: string };

/**
 * The field dictionary: every field a widget may ask for, its label, the column types that fit and
 * where it is usually found. Mapping suggestions (`mapping/`) know the CDISC variables for each.
 */
export const FIELDS = {
  subject_id: {
    label: 'Subject',
    types: ['string', 'number'],
    source: 'dataset',
    description: 'Unique subject id (USUBJID)',
  },
  arm: { label: 'Treatment arm', types: ['string'], source: 'population' },
  site: { label: 'Site', types: ['string', 'number'], source: 'population' },
  country: { label: 'Country', types: ['string'], source: 'population' },
  age: { label: 'Age', types: ['number'], source: 'population' },
  sex: { label: 'Sex', types: ['string'], source: 'population' },
  race: { label: 'Race', types: ['string'], source: 'population' },
  ethnicity: { label: 'Ethnicity', types: ['string'], source: 'population' },
  population_flag: {
    label: 'Population flag',
    types: ['string'],
    source: 'population',
    description: 'Y for subjects in the analysis population (SAFFL)',
  },
  screening_date: { label: 'Screening / informed consent date', types: ['date', 'string'], source: 'population' },
  enrollment_date: {
    label: 'Enrollment date',
    types: ['date', 'string'],
    source: 'population',
    description: 'Randomization or first treatment date',
  },
  treatment_start: { label: 'First treatment date', types: ['date', 'string'], source: 'population' },
  randomized_flag: { label: 'Randomized flag', types: ['string'], source: 'population' },
  screen_failure: {
    label: 'Screen failure marker',
    types: ['string'],
    source: 'population',
    description: 'Arm code SCRNFAIL or a screen-failure flag',
  },
  disposition: { label: 'Disposition / end of study status', types: ['string'], source: 'dataset' },
  disposition_reason: { label: 'Reason for discontinuation', types: ['string'], source: 'dataset' },
  visit: { label: 'Visit', types: ['string', 'number'], source: 'dataset' },
  visit_date: { label: 'Visit date', types: ['date', 'string'], source: 'dataset' },
  visit_order: {
    label: 'Visit number',
    types: ['number'],
    source: 'dataset',
    description: 'Orders visits in time (VISITNUM, AVISITN)',
  },
  ae_term: { label: 'AE preferred term', types: ['string'], source: 'dataset' },
  ae_body_system: { label: 'AE body system (SOC)', types: ['string'], source: 'dataset' },
  ae_serious: { label: 'AE serious (Y/N)', types: ['string'], source: 'dataset' },
  ae_severity: { label: 'AE severity', types: ['string'], source: 'dataset' },
  ae_related: { label: 'AE relationship to study drug', types: ['string'], source: 'dataset' },
  ae_outcome: { label: 'AE outcome', types: ['string'], source: 'dataset' },
  ae_start_date: { label: 'AE start date', types: ['date', 'string'], source: 'dataset' },
  ae_treatment_emergent: { label: 'Treatment-emergent flag', types: ['string'], source: 'dataset' },
  tte_time: {
    label: 'Time to event',
    types: ['number'],
    source: 'dataset',
    description: 'Time from the origin to the event or censoring (ADTTE AVAL)',
  },
  tte_censor: {
    label: 'Censoring flag',
    types: ['number'],
    source: 'dataset',
    description: 'ADTTE CNSR: 0 = event, otherwise censored (or an event flag, 1 = event, as the options say)',
  },
  tte_parameter: {
    label: 'Time-to-event parameter',
    types: ['string'],
    source: 'dataset',
    description: 'ADTTE PARAMCD',
  },
  lab_test: { label: 'Lab test', types: ['string'], source: 'dataset' },
  lab_value: { label: 'Lab result (numeric)', types: ['number'], source: 'dataset' },
  lab_uln: { label: 'Upper limit of normal', types: ['number'], source: 'dataset' },
  lab_lln: { label: 'Lower limit of normal', types: ['number'], source: 'dataset' },
  lab_unit: { label: 'Lab unit', types: ['string'], source: 'dataset' },
  lab_date: { label: 'Lab date', types: ['date', 'string'], source: 'dataset' },
  lab_test_code: {
    label: 'Lab test code',
    types: ['string'],
    source: 'dataset',
    description: 'Short test code (LBTESTCD, PARAMCD): ALT, AST, BILI…',
  },
  lab_indicator: {
    label: 'Reference range indicator',
    types: ['string'],
    source: 'dataset',
    description: 'LOW / NORMAL / HIGH as the lab reported it (LBNRIND, ANRIND)',
  },
  baseline_flag: {
    label: 'Baseline flag',
    types: ['string'],
    source: 'dataset',
    description: "Y on each subject's baseline record (LBBLFL, ABLFL)",
  },
  on_treatment_flag: {
    label: 'On-treatment flag',
    types: ['string'],
    source: 'dataset',
    description: 'Y on records taken on treatment (ONTRTFL, ANL01FL)',
  },
  category: { label: 'Category', types: ['any'], source: 'dataset' },
  category_order: { label: 'Category order', types: ['number', 'date', 'string'], source: 'dataset' },
  series: { label: 'Series', types: ['any'], source: 'dataset' },
  value: { label: 'Value', types: ['number'], source: 'dataset' },
  x: { label: 'X', types: ['number', 'date'], source: 'dataset' },
  y: { label: 'Y', types: ['number'], source: 'dataset' },
  date: { label: 'Date', types: ['date', 'string'], source: 'dataset' },
  row_group: { label: 'Row group', types: ['any'], source: 'dataset' },
  column_group: { label: 'Column group', types: ['any'], source: 'dataset' },
} as const satisfies Record<string, FieldInfo>;

export type KnownField = keyof typeof FIELDS;

/** The subject-level fields a dashboard filter usually offers; templates map them on every widget. */
export const SUBJECT_FILTER_FIELDS = ['arm', 'site', 'country', 'sex', 'age', 'race'] as const;

/** A field spec for a widget contract, from the dictionary. */
export function field(key: KnownField, required: boolean, overrides: Partial<WidgetFieldSpec> = {}): WidgetFieldSpec {
  const info: FieldInfo = FIELDS[key];
  return {
    key,
    label: info.label,
    required,
    types: [...info.types],
    source: info.source,
    ...(info.description ? { description: info.description } : {}),
    ...overrides,
  };
}
