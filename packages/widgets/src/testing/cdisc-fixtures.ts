import type { DatasetColumnType } from '@cdp/contracts';
import type { DatasetInfo } from '../mapping/dataset-info.ts';

/**
 * Test fixtures: the columns of real CDISC datasets. ADSL and ADAE are the CDISC pilot's
 * (cdiscpilot01 ADaM, read from the XPT files: DATE-formatted numerics are dates); DM, DS, AE and
 * LB are the SDTM domains the platform's demo study generates.
 */
type ColumnType = DatasetColumnType;

function dataset(name: string, columns: Array<[string, string, ColumnType]>): DatasetInfo {
  return { name, columns: columns.map(([column, label, type]) => ({ name: column, label, type })) };
}

const ADSL_COLUMNS: Array<[string, string, ColumnType]> = [
  ['STUDYID', 'Study Identifier', 'string'],
  ['USUBJID', 'Unique Subject Identifier', 'string'],
  ['SUBJID', 'Subject Identifier for the Study', 'string'],
  ['SITEID', 'Study Site Identifier', 'string'],
  ['SITEGR1', 'Pooled Site Group 1', 'string'],
  ['ARM', 'Description of Planned Arm', 'string'],
  ['TRT01P', 'Planned Treatment for Period 01', 'string'],
  ['TRT01PN', 'Planned Treatment for Period 01 (N)', 'number'],
  ['TRT01A', 'Actual Treatment for Period 01', 'string'],
  ['TRT01AN', 'Actual Treatment for Period 01 (N)', 'number'],
  ['TRTSDT', 'Date of First Exposure to Treatment', 'date'],
  ['TRTEDT', 'Date of Last Exposure to Treatment', 'date'],
  ['TRTDURD', 'Total Treatment Duration (Days)', 'number'],
  ['AVGDD', 'Avg Daily Dose (as planned)', 'number'],
  ['CUMDOSE', 'Cumulative Dose (as planned)', 'number'],
  ['AGE', 'Age', 'number'],
  ['AGEGR1', 'Pooled Age Group 1', 'string'],
  ['AGEGR1N', 'Pooled Age Group 1 (N)', 'number'],
  ['AGEU', 'Age Units', 'string'],
  ['RACE', 'Race', 'string'],
  ['RACEN', 'Race (N)', 'number'],
  ['SEX', 'Sex', 'string'],
  ['ETHNIC', 'Ethnicity', 'string'],
  ['SAFFL', 'Safety Population Flag', 'string'],
  ['ITTFL', 'Intent-To-Treat Population Flag', 'string'],
  ['EFFFL', 'Efficacy Population Flag', 'string'],
  ['COMP8FL', 'Completers of Week 8 Population Flag', 'string'],
  ['COMP16FL', 'Completers of Week 16 Population Flag', 'string'],
  ['COMP24FL', 'Completers of Week 24 Population Flag', 'string'],
  ['DISCONFL', 'Did the Subject Discontinue the Study?', 'string'],
  ['DSRAEFL', 'Discontinued due to AE?', 'string'],
  ['DTHFL', 'Subject Died?', 'string'],
  ['BMIBL', 'Baseline BMI (kg/m^2)', 'number'],
  ['BMIBLGR1', 'Pooled Baseline BMI Group 1', 'string'],
  ['HEIGHTBL', 'Baseline Height (cm)', 'number'],
  ['WEIGHTBL', 'Baseline Weight (kg)', 'number'],
  ['EDUCLVL', 'Years of Education', 'number'],
  ['DISONSDT', 'Date of Onset of Disease', 'date'],
  ['DURDIS', 'Duration of Disease (Months)', 'number'],
  ['DURDSGR1', 'Pooled Disease Duration Group 1', 'string'],
  ['VISIT1DT', 'Date of Visit 1', 'date'],
  ['RFSTDTC', 'Subject Reference Start Date/Time', 'string'],
  ['RFENDTC', 'Subject Reference End Date/Time', 'string'],
  ['VISNUMEN', 'End of Trt Visit (Vis 12 or Early Term.)', 'number'],
  ['RFENDT', 'Date of Discontinuation/Completion', 'date'],
  ['DCDECOD', 'Standardized Disposition Term', 'string'],
  ['EOSSTT', 'End of Study Status', 'string'],
  ['DCSREAS', 'Reason for Discontinuation from Study', 'string'],
  ['MMSETOT', 'MMSE Total', 'number'],
];

const ADAE_COLUMNS: Array<[string, string, ColumnType]> = [
  ['STUDYID', 'Study Identifier', 'string'],
  ['SITEID', 'Study Site Identifier', 'string'],
  ['USUBJID', 'Unique Subject Identifier', 'string'],
  ['TRTA', 'Actual Treatment', 'string'],
  ['TRTAN', 'Actual Treatment (N)', 'number'],
  ['AGE', 'Age', 'number'],
  ['AGEGR1', 'Pooled Age Group 1', 'string'],
  ['AGEGR1N', 'Pooled Age Group 1 (N)', 'number'],
  ['RACE', 'Race', 'string'],
  ['RACEN', 'Race (N)', 'number'],
  ['SEX', 'Sex', 'string'],
  ['SAFFL', 'Safety Population Flag', 'string'],
  ['TRTSDT', 'Date of First Exposure to Treatment', 'date'],
  ['TRTEDT', 'Date of Last Exposure to Treatment', 'date'],
  ['ASTDT', 'Analysis Start Date', 'date'],
  ['ASTDTF', 'Analysis Start Date Imputation Flag', 'string'],
  ['ASTDY', 'Analysis Start Relative Day', 'number'],
  ['AENDT', 'Analysis End Date', 'date'],
  ['AENDY', 'Analysis End Relative Day', 'number'],
  ['ADURN', 'AE Duration (N)', 'number'],
  ['ADURU', 'AE Duration Units', 'string'],
  ['AETERM', 'Reported Term for the Adverse Event', 'string'],
  ['AELLT', 'Lowest Level Term', 'string'],
  ['AELLTCD', 'Lowest Level Term Code', 'number'],
  ['AEDECOD', 'Dictionary-Derived Term', 'string'],
  ['AEPTCD', 'Preferred Term Code', 'number'],
  ['AEHLT', 'High Level Term', 'string'],
  ['AEHLTCD', 'High Level Term Code', 'number'],
  ['AEHLGT', 'High Level Group Term', 'string'],
  ['AEHLGTCD', 'High Level Group Term Code', 'number'],
  ['AEBODSYS', 'Body System or Organ Class', 'string'],
  ['AESOC', 'Primary System Organ Class', 'string'],
  ['AESOCCD', 'Primary System Organ Class Code', 'number'],
  ['AESEV', 'Severity/Intensity', 'string'],
  ['AESER', 'Serious Event', 'string'],
  ['AESCAN', 'Involves Cancer', 'string'],
  ['AESCONG', 'Congenital Anomaly or Birth Defect', 'string'],
  ['AESDISAB', 'Persist or Signif Disability/Incapacity', 'string'],
  ['AESDTH', 'Results in Death', 'string'],
  ['AESHOSP', 'Requires or Prolongs Hospitalization', 'string'],
  ['AESLIFE', 'Is Life Threatening', 'string'],
  ['AESOD', 'Occurred with Overdose', 'string'],
  ['AEREL', 'Causality', 'string'],
  ['AEACN', 'Action Taken with Study Treatment', 'string'],
  ['AEOUT', 'Outcome of Adverse Event', 'string'],
  ['AESEQ', 'Sequence Number', 'number'],
  ['TRTEMFL', 'Treatment Emergent Analysis Flag', 'string'],
  ['AOCCFL', '1st Occurrence of Any AE Flag', 'string'],
  ['AOCCSFL', '1st Occurrence of SOC Flag', 'string'],
  ['AOCCPFL', '1st Occurrence of Preferred Term Flag', 'string'],
  ['AOCC02FL', '1st Occurrence 02 Flag for Serious', 'string'],
  ['AOCC03FL', '1st Occurrence 03 Flag for Serious SOC', 'string'],
  ['AOCC04FL', '1st Occurrence 04 Flag for Serious PT', 'string'],
  ['CQ01NAM', 'Customized Query 01 Name', 'string'],
  ['AOCC01FL', '1st Occurrence 01 Flag for CQ01', 'string'],
];

const DM_COLUMNS: Array<[string, string, ColumnType]> = [
  ['STUDYID', 'Study Identifier', 'string'],
  ['DOMAIN', 'Domain Abbreviation', 'string'],
  ['USUBJID', 'Unique Subject Identifier', 'string'],
  ['SUBJID', 'Subject Identifier for the Study', 'string'],
  ['RFSTDTC', 'Subject Reference Start Date/Time', 'string'],
  ['RFENDTC', 'Subject Reference End Date/Time', 'string'],
  ['RFXSTDTC', 'Date/Time of First Study Treatment', 'string'],
  ['RFXENDTC', 'Date/Time of Last Study Treatment', 'string'],
  ['RFICDTC', 'Date/Time of Informed Consent', 'string'],
  ['RFPENDTC', 'Date/Time of End of Participation', 'string'],
  ['DTHDTC', 'Date/Time of Death', 'string'],
  ['DTHFL', 'Subject Death Flag', 'string'],
  ['SITEID', 'Study Site Identifier', 'string'],
  ['AGE', 'Age', 'integer'],
  ['AGEU', 'Age Units', 'string'],
  ['SEX', 'Sex', 'string'],
  ['RACE', 'Race', 'string'],
  ['ETHNIC', 'Ethnicity', 'string'],
  ['ARMCD', 'Planned Arm Code', 'string'],
  ['ARM', 'Description of Planned Arm', 'string'],
  ['ACTARMCD', 'Actual Arm Code', 'string'],
  ['ACTARM', 'Description of Actual Arm', 'string'],
  ['COUNTRY', 'Country', 'string'],
  ['DMDTC', 'Date/Time of Collection', 'string'],
  ['DMDY', 'Study Day of Collection', 'integer'],
];

const DS_COLUMNS: Array<[string, string, ColumnType]> = [
  ['STUDYID', 'Study Identifier', 'string'],
  ['DOMAIN', 'Domain Abbreviation', 'string'],
  ['USUBJID', 'Unique Subject Identifier', 'string'],
  ['DSSEQ', 'Sequence Number', 'integer'],
  ['DSTERM', 'Reported Term for the Disposition Event', 'string'],
  ['DSDECOD', 'Standardized Disposition Term', 'string'],
  ['DSCAT', 'Category for Disposition Event', 'string'],
  ['DSSCAT', 'Subcategory for Disposition Event', 'string'],
  ['EPOCH', 'Epoch', 'string'],
  ['DSSTDTC', 'Start Date/Time of Disposition Event', 'string'],
  ['DSSTDY', 'Study Day of Start of Disposition Event', 'integer'],
];

const AE_COLUMNS: Array<[string, string, ColumnType]> = [
  ['STUDYID', 'Study Identifier', 'string'],
  ['DOMAIN', 'Domain Abbreviation', 'string'],
  ['USUBJID', 'Unique Subject Identifier', 'string'],
  ['AESEQ', 'Sequence Number', 'integer'],
  ['AETERM', 'Reported Term for the Adverse Event', 'string'],
  ['AEDECOD', 'Dictionary-Derived Term', 'string'],
  ['AEBODSYS', 'Body System or Organ Class', 'string'],
  ['AESEV', 'Severity/Intensity', 'string'],
  ['AESER', 'Serious Event', 'string'],
  ['AEACN', 'Action Taken with Study Treatment', 'string'],
  ['AEREL', 'Causality', 'string'],
  ['AEOUT', 'Outcome of Adverse Event', 'string'],
  ['AESDTH', 'Results in Death', 'string'],
  ['AESHOSP', 'Requires or Prolongs Hospitalization', 'string'],
  ['AESMIE', 'Other Medically Important Serious Event', 'string'],
  ['EPOCH', 'Epoch', 'string'],
  ['AESTDTC', 'Start Date/Time of Adverse Event', 'string'],
  ['AEENDTC', 'End Date/Time of Adverse Event', 'string'],
  ['AESTDY', 'Study Day of Start of Adverse Event', 'integer'],
  ['AEENDY', 'Study Day of End of Adverse Event', 'integer'],
];

export const ADSL = dataset('ADSL', ADSL_COLUMNS);
export const ADAE = dataset('ADAE', ADAE_COLUMNS);
export const DM = dataset('DM', DM_COLUMNS);
export const DS = dataset('DS', DS_COLUMNS);
export const AE = dataset('AE', AE_COLUMNS);

/** The CDISC pilot's ADaM delivery (subject level and adverse events). */
export const ADAM_VERSION: DatasetInfo[] = [ADSL, ADAE];
/** The demo study's SDTM domains used by the clinical widgets. */
export const SDTM_VERSION: DatasetInfo[] = [DM, DS, AE];

/** The CDISC pilot's ADTTE (time to first dermatological event), read from the XPT file. */
export const ADTTE = dataset('ADTTE', [
  ['STUDYID', 'Study Identifier', 'string'],
  ['SITEID', 'Study Site Identifier', 'string'],
  ['USUBJID', 'Unique Subject Identifier', 'string'],
  ['AGE', 'Age', 'number'],
  ['AGEGR1', 'Pooled Age Group 1', 'string'],
  ['AGEGR1N', 'Pooled Age Group 1 (N)', 'number'],
  ['RACE', 'Race', 'string'],
  ['RACEN', 'Race (N)', 'number'],
  ['SEX', 'Sex', 'string'],
  ['TRTSDT', 'Date of First Exposure to Treatment', 'date'],
  ['TRTEDT', 'Date of Last Exposure to Treatment', 'date'],
  ['TRTDUR', 'Duration of treatment (days)', 'number'],
  ['TRTP', 'Planned Treatment', 'string'],
  ['TRTA', 'Actual Treatment', 'string'],
  ['TRTAN', 'Actual Treatment (N)', 'number'],
  ['PARAM', 'Parameter', 'string'],
  ['PARAMCD', 'Parameter Code', 'string'],
  ['AVAL', 'Analysis Value', 'number'],
  ['STARTDT', 'Time to Event Origin Date for Subject', 'date'],
  ['ADT', 'Analysis Date', 'date'],
  ['CNSR', 'Censor', 'number'],
  ['EVNTDESC', 'Event or Censoring Description', 'string'],
  ['SRCDOM', 'Source Domain', 'string'],
  ['SRCVAR', 'Source Variable', 'string'],
  ['SRCSEQ', 'Source Sequence Number', 'number'],
  ['SAFFL', 'Safety Population Flag', 'string'],
]);

/**
 * The AE explorer's data over the CDISC pilot ADaM (ADAE, with ADSL as its population), as the
 * server's `review-ae-km.test.ts` and the e2e specs on the pilot ADaM map it.
 */
export const PILOT_ADAE_EXPLORER_DATA = {
  dataset: 'ADAE',
  population: 'ADSL',
  mapping: {
    subject_id: 'USUBJID',
    arm: 'ADSL.TRT01A',
    ae_body_system: 'AEBODSYS',
    ae_term: 'AEDECOD',
    ae_treatment_emergent: 'TRTEMFL',
    ae_serious: 'AESER',
    ae_severity: 'AESEV',
    ae_related: 'AEREL',
    ae_outcome: 'AEOUT',
    population_flag: 'SAFFL',
    treatment_start: 'TRTSDT',
  },
};
