import { z } from 'zod';
import { Uuid, withPermissions } from './common.ts';

/** `/api/studies/:id/subjects/:subjectId/…`: a subject is named by its USUBJID, as every listing shows it. */
export const SubjectParams = z.strictObject({ id: Uuid, subjectId: z.string().min(1).max(200) });

/** A cell as a profile shows it: dates stay ISO 8601 text (partial dates such as `2014-03` included). */
const Cell = z.union([z.string(), z.number(), z.boolean(), z.null()]);

/** One column of the subject's demographics row, with its label and PHI marks. */
export const SubjectField = z.object({
  name: z.string(),
  label: z.string().nullable(),
  value: Cell,
  /** The reader sees this PHI column masked (year of a date, `[PHI]` for text). */
  masked: z.boolean().optional(),
});
export type SubjectField = z.infer<typeof SubjectField>;

/** The facts a profile's header shows, whichever of DM or ADSL held them. */
export const SubjectSummary = z.object({
  subjectId: z.string(),
  site: z.string().nullable(),
  country: z.string().nullable(),
  arm: z.string().nullable(),
  actualArm: z.string().nullable(),
  sex: z.string().nullable(),
  age: z.number().nullable(),
  ageUnit: z.string().nullable(),
  race: z.string().nullable(),
  ethnicity: z.string().nullable(),
  /** First and last exposure (RFXSTDTC/RFXENDTC, or ADSL TRTSDT/TRTEDT). */
  firstDose: z.string().nullable(),
  lastDose: z.string().nullable(),
  /** Disposition at the end of the study ("COMPLETED", "ADVERSE EVENT"), when the data say. */
  status: z.string().nullable(),
  /** Death flag (DTHFL) when set. */
  died: z.boolean(),
});
export type SubjectSummary = z.infer<typeof SubjectSummary>;

export const SUBJECT_EVENT_KINDS = [
  'visit',
  'exposure',
  'adverse_event',
  'medication',
  'medical_history',
  'disposition',
] as const;
export type SubjectEventKind = (typeof SUBJECT_EVENT_KINDS)[number];

/**
 * One event of the subject's timeline, normalised from SV, EX/ADEX, AE/ADAE, CM/ADCM, MH/ADMH and
 * DS (or ADSL's end of study): what it is, when (ISO dates and study days as recorded), and the
 * attributes of its kind that the data carry (null where they do not).
 */
export const SubjectEvent = z.object({
  kind: z.enum(SUBJECT_EVENT_KINDS),
  dataset: z.string(),
  /** The record's sequence number (--SEQ), which identifies it within the subject and dataset. */
  seq: z.number().nullable(),
  /** Verbatim term, treatment, visit or disposition term. */
  term: z.string(),
  /** Coded term: AEDECOD, CMDECOD, MHDECOD, DSDECOD. */
  decod: z.string().nullable(),
  /** Body system (AEBODSYS), medication class (CMCLAS), history category (MHCAT), disposition category (DSCAT). */
  category: z.string().nullable(),
  start: z.string().nullable(),
  end: z.string().nullable(),
  startDay: z.number().nullable(),
  endDay: z.number().nullable(),
  visit: z.string().nullable(),
  visitNum: z.number().nullable(),
  severity: z.string().nullable(),
  serious: z.boolean().nullable(),
  related: z.string().nullable(),
  outcome: z.string().nullable(),
  action: z.string().nullable(),
  /** A treatment-emergent flag (ADAE TRTEMFL) when the data carry one. */
  treatmentEmergent: z.boolean().nullable(),
  dose: z.number().nullable(),
  doseUnit: z.string().nullable(),
  route: z.string().nullable(),
  frequency: z.string().nullable(),
  indication: z.string().nullable(),
});
export type SubjectEvent = z.infer<typeof SubjectEvent>;

/** One lab result or vital sign, from LB/VS (SDTM) or ADLB…, ADVS (ADaM). */
export const SubjectMeasurement = z.object({
  dataset: z.string(),
  seq: z.number().nullable(),
  testCode: z.string(),
  test: z.string(),
  category: z.string().nullable(),
  visit: z.string().nullable(),
  visitNum: z.number().nullable(),
  date: z.string().nullable(),
  day: z.number().nullable(),
  /** The numeric result in standard units (LBSTRESN / AVAL), null when only text was recorded. */
  value: z.number().nullable(),
  /** The result as text (LBSTRESC / AVALC, else LBORRES), for results that are not numbers. */
  text: z.string().nullable(),
  unit: z.string().nullable(),
  low: z.number().nullable(),
  high: z.number().nullable(),
  /** The normal-range flag as recorded (LBNRIND / ANRIND), else derived from the limits: LOW, HIGH, NORMAL. */
  flag: z.string().nullable(),
  baseline: z.boolean(),
});
export type SubjectMeasurement = z.infer<typeof SubjectMeasurement>;

/** A dataset holding rows for the subject; `rows` counts them. */
export const SubjectDataset = z.object({
  name: z.string(),
  label: z.string().nullable(),
  rows: z.number().int(),
  /** The column the subject was found by (USUBJID). */
  subjectColumn: z.string(),
});
export type SubjectDataset = z.infer<typeof SubjectDataset>;

export const SubjectProfile = z.object({
  subjectId: z.string(),
  studyId: Uuid,
  /** The active data version the profile was read from (its datasets' rows API reads the same). */
  versionId: Uuid,
  summary: SubjectSummary,
  /** The DM (else ADSL) row, every column in order. */
  demographics: z.object({ dataset: z.string(), fields: z.array(SubjectField) }).nullable(),
  events: z.array(SubjectEvent),
  labs: z.array(SubjectMeasurement),
  vitals: z.array(SubjectMeasurement),
  datasets: z.array(SubjectDataset),
  /** Which dataset each section came from (`{ adverse_event: 'AE', labs: 'ADLBHY' }`), for the page to say. */
  sources: z.record(z.string(), z.array(z.string())),
  /** Sections cut short: a dataset with more rows for the subject than a profile reads. */
  truncated: z.array(z.string()),
});
export type SubjectProfile = z.infer<typeof SubjectProfile>;

export const SubjectProfileResponse = withPermissions(SubjectProfile);
export type SubjectProfileResponse = z.infer<typeof SubjectProfileResponse>;
