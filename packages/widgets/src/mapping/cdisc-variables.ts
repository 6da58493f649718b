/**
 * The CDISC variables (SDTM and ADaM) that carry each field, best first. A variable is looked for
 * in the widget's own datasets, then in the standard datasets `alsoIn` names: a DM widget finds
 * its disposition in DS.DSDECOD, a site table its AEs in AE or ADAE. `confidence` below 1 marks a
 * fallback that usually, not always, means the field.
 */
export interface CdiscVariable {
  column: string;
  alsoIn?: readonly string[];
  confidence?: number;
  /** An ADaM variable taken before the SDTM ones of its field when the widget reads an ADaM dataset (ADLB carries both VISITNUM and AVISITN). */
  adam?: boolean;
}

const v = (column: string, extra: Omit<CdiscVariable, 'column'> = {}): CdiscVariable => ({ column, ...extra });
const AE = { alsoIn: ['ADAE', 'AE'] };
const LB = { alsoIn: ['ADLB', 'LB'] };

export const CDISC_VARIABLES: Readonly<Record<string, readonly CdiscVariable[]>> = {
  subject_id: [v('USUBJID'), v('SUBJID', { confidence: 0.9 })],
  arm: [v('TRT01A'), v('TRT01P'), v('ARM'), v('ACTARM'), v('TRTA'), v('TRTP')],
  event_arm: [v('TRTA'), v('TRTP')],
  site: [v('SITEID'), v('SITEGR1', { confidence: 0.8 })],
  country: [v('COUNTRY')],
  age: [v('AGE')],
  sex: [v('SEX')],
  race: [v('RACE')],
  ethnicity: [v('ETHNIC')],
  population_flag: [v('SAFFL'), v('ITTFL'), v('FASFL', { confidence: 0.9 }), v('EFFFL', { confidence: 0.9 })],
  screening_date: [v('RFICDTC'), v('DMDTC', { confidence: 0.9 })],
  enrollment_date: [v('RANDDT'), v('RFSTDTC'), v('TRTSDT'), v('RFXSTDTC')],
  treatment_start: [v('TRTSDT'), v('RFXSTDTC')],
  randomized_flag: [v('RANDFL')],
  screen_failure: [v('ARMCD', { alsoIn: ['DM'] })],
  disposition: [v('DSDECOD', { alsoIn: ['DS'] }), v('DCDECOD'), v('EOSSTT')],
  disposition_category: [v('DSCAT', { alsoIn: ['DS'] })],
  disposition_reason: [v('DCSREAS'), v('DSDECOD', { alsoIn: ['DS'] })],
  visit: [v('VISIT'), v('AVISIT', { adam: true })],
  visit_date: [v('SVSTDTC'), v('ADT')],
  visit_order: [v('VISITNUM'), v('AVISITN', { adam: true })],
  protocol_deviation: [v('DVTERM', { alsoIn: ['DV'] }), v('DVDECOD', { alsoIn: ['DV'] })],
  ae_term: [v('AEDECOD', AE), v('AETERM', AE)],
  ae_body_system: [v('AEBODSYS', AE), v('AESOC', AE)],
  ae_serious: [v('AESER', AE)],
  ae_severity: [v('AESEV', AE), v('ASEV', AE), v('AETOXGR', { ...AE, confidence: 0.9 })],
  ae_related: [v('AEREL', AE), v('AREL', AE)],
  ae_outcome: [v('AEOUT', AE)],
  ae_start_date: [v('ASTDT', AE), v('AESTDTC', AE)],
  ae_treatment_emergent: [v('TRTEMFL', AE)],
  tte_time: [v('AVAL', { alsoIn: ['ADTTE'] })],
  tte_censor: [v('CNSR', { alsoIn: ['ADTTE'] })],
  tte_parameter: [v('PARAMCD', { alsoIn: ['ADTTE'] })],
  lab_test: [v('LBTEST', LB), v('PARAM', LB)],
  lab_value: [v('LBSTRESN', LB), v('AVAL', LB)],
  lab_uln: [v('LBSTNRHI', LB), v('ANRHI', LB), v('A1HI', LB)],
  lab_lln: [v('LBSTNRLO', LB), v('ANRLO', LB), v('A1LO', LB)],
  lab_unit: [v('LBSTRESU', LB), v('AVALU', LB)],
  lab_date: [v('LBDTC', LB), v('ADT', LB)],
  lab_test_code: [v('LBTESTCD', LB), v('PARAMCD', LB)],
  lab_indicator: [v('LBNRIND', LB), v('ANRIND', LB)],
  baseline_flag: [v('LBBLFL', LB), v('ABLFL', LB)],
  on_treatment_flag: [v('ONTRTFL', LB), v('ANL01FL', { ...LB, confidence: 0.8 })],
  // Generic chart fields: the dataset's usual grouping, measurement and date, as a starting point
  // (low confidence: the builder shows them as suggestions to confirm, not as knowledge).
  category: [
    v('AEBODSYS', { confidence: 0.6 }),
    v('LBTEST', { confidence: 0.6 }),
    v('PARAM', { confidence: 0.6 }),
    v('VSTEST', { confidence: 0.6 }),
    v('DSDECOD', { confidence: 0.6 }),
    v('EXTRT', { confidence: 0.6 }),
    v('VISIT', { confidence: 0.5 }),
    v('ARM', { confidence: 0.5 }),
    v('TRT01A', { confidence: 0.5 }),
  ],
  value: [
    v('AVAL', { confidence: 0.6 }),
    v('LBSTRESN', { confidence: 0.6 }),
    v('VSSTRESN', { confidence: 0.6 }),
    v('EXDOSE', { confidence: 0.6 }),
    v('AGE', { confidence: 0.5 }),
  ],
  date: [
    v('ASTDT', { confidence: 0.6 }),
    v('AESTDTC', { confidence: 0.6 }),
    v('ADT', { confidence: 0.6 }),
    v('LBDTC', { confidence: 0.6 }),
    v('VSDTC', { confidence: 0.6 }),
    v('DSSTDTC', { confidence: 0.6 }),
    v('RFSTDTC', { confidence: 0.5 }),
  ],
};

/** Subject-level datasets, best first: ADaM's analysis copy, then SDTM demographics. */
export const POPULATION_DATASETS = ['ADSL', 'DM'] as const;

/** Every variable above, with the fields it stands for: a name match must not take another field's variable. */
export const CDISC_VARIABLE_FIELDS: ReadonlyMap<string, ReadonlySet<string>> = (() => {
  const fields = new Map<string, Set<string>>();
  for (const [field, variables] of Object.entries(CDISC_VARIABLES)) {
    for (const { column } of variables) fields.set(column, (fields.get(column) ?? new Set()).add(field));
  }
  return fields;
})();
