/**
 * The protocol of the synthetic study: arms, countries, visit schedule and disposition
 * vocabulary. Values follow CDISC controlled terminology (SDTMIG 3.2 conventions for screen
 * failures and not-treated subjects: ARMCD `SCRNFAIL`, ACTARMCD `NOTTRT`).
 */

export type ArmCode = 'PBO' | 'LOW' | 'HIGH';

export interface Arm {
  code: ArmCode;
  name: string;
  /** Daily dose in mg (what EXDOSE records). */
  dose: number;
  treatment: string;
}

export const ARMS: readonly Arm[] = [
  { code: 'PBO', name: 'Placebo', dose: 0, treatment: 'PLACEBO' },
  { code: 'LOW', name: 'Drug X Low Dose', dose: 50, treatment: 'DRUG X' },
  { code: 'HIGH', name: 'Drug X High Dose', dose: 100, treatment: 'DRUG X' },
];

export const SCREEN_FAILURE_ARM = { code: 'SCRNFAIL', name: 'Screen Failure' } as const;
export const NOT_TREATED_ARM = { code: 'NOTTRT', name: 'Not Treated' } as const;

export const RACES = [
  'WHITE',
  'BLACK OR AFRICAN AMERICAN',
  'ASIAN',
  'AMERICAN INDIAN OR ALASKA NATIVE',
  'NATIVE HAWAIIAN OR OTHER PACIFIC ISLANDER',
  'MULTIPLE',
  'NOT REPORTED',
  'UNKNOWN',
] as const;
export type Race = (typeof RACES)[number];

export const ETHNICITIES = ['HISPANIC OR LATINO', 'NOT HISPANIC OR LATINO', 'NOT REPORTED', 'UNKNOWN'] as const;

export interface Country {
  code: string;
  /** Share of sites. */
  siteWeight: number;
  race: Partial<Record<Race, number>>;
  hispanic: number;
  /** France forbids collecting race and ethnicity, so its sites report neither. */
  raceNotCollected?: boolean;
  /** US labs and clinics report conventional units (mg/dL, lb, in, °F); everyone else SI. */
  conventionalUnits?: boolean;
  heightShiftCm: number;
  medianBmi: number;
}

/** Ordered so that the first ten sites cover every country once. */
export const COUNTRIES: readonly Country[] = [
  {
    code: 'USA',
    siteWeight: 30,
    race: { WHITE: 68, 'BLACK OR AFRICAN AMERICAN': 16, ASIAN: 6, MULTIPLE: 3, 'NOT REPORTED': 2, UNKNOWN: 1 },
    hispanic: 0.16,
    conventionalUnits: true,
    heightShiftCm: 0,
    medianBmi: 29.5,
  },
  {
    code: 'DEU',
    siteWeight: 10,
    race: { WHITE: 94, ASIAN: 2, 'BLACK OR AFRICAN AMERICAN': 1, 'NOT REPORTED': 3 },
    hispanic: 0.01,
    heightShiftCm: 2,
    medianBmi: 27,
  },
  {
    code: 'GBR',
    siteWeight: 8,
    race: { WHITE: 85, ASIAN: 8, 'BLACK OR AFRICAN AMERICAN': 4, MULTIPLE: 2, 'NOT REPORTED': 1 },
    hispanic: 0.01,
    heightShiftCm: 1,
    medianBmi: 27.5,
  },
  {
    code: 'CAN',
    siteWeight: 7,
    race: { WHITE: 75, ASIAN: 15, 'BLACK OR AFRICAN AMERICAN': 4, 'AMERICAN INDIAN OR ALASKA NATIVE': 3, MULTIPLE: 3 },
    hispanic: 0.02,
    heightShiftCm: 1,
    medianBmi: 27.5,
  },
  { code: 'FRA', siteWeight: 7, race: {}, hispanic: 0, raceNotCollected: true, heightShiftCm: 0, medianBmi: 25.5 },
  {
    code: 'ESP',
    siteWeight: 8,
    race: { WHITE: 93, MULTIPLE: 2, 'BLACK OR AFRICAN AMERICAN': 1, ASIAN: 1, 'NOT REPORTED': 3 },
    hispanic: 0.6,
    heightShiftCm: -2,
    medianBmi: 26.5,
  },
  { code: 'POL', siteWeight: 10, race: { WHITE: 99, 'NOT REPORTED': 1 }, hispanic: 0, heightShiftCm: 1, medianBmi: 27 },
  { code: 'JPN', siteWeight: 8, race: { ASIAN: 100 }, hispanic: 0, heightShiftCm: -8, medianBmi: 23 },
  {
    code: 'AUS',
    siteWeight: 5,
    race: { WHITE: 76, ASIAN: 16, 'NATIVE HAWAIIAN OR OTHER PACIFIC ISLANDER': 2, MULTIPLE: 3, 'NOT REPORTED': 3 },
    hispanic: 0.01,
    heightShiftCm: 1,
    medianBmi: 27.5,
  },
  {
    code: 'BRA',
    siteWeight: 7,
    race: {
      WHITE: 48,
      'BLACK OR AFRICAN AMERICAN': 12,
      MULTIPLE: 35,
      ASIAN: 2,
      'AMERICAN INDIAN OR ALASKA NATIVE': 1,
      'NOT REPORTED': 2,
    },
    hispanic: 0.9,
    heightShiftCm: -3,
    medianBmi: 26.5,
  },
];

export type Epoch = 'SCREENING' | 'TREATMENT' | 'FOLLOW-UP';

export interface ScheduledVisit {
  visitNum: number;
  visit: string;
  /** Planned study day; null for screening and follow-up, which are timed from other events. */
  visitDy: number | null;
  epoch: Epoch;
}

/** The default schedule: screening, day 1, weeks 2, 4, 8, 12, 16, 24, follow-up. */
export const DEFAULT_VISITS = 9;
export const MIN_VISITS = 4;
export const MAX_VISITS = 60;

/** Screening, day 1, `visits - 3` treatment visits (weeks 2, 4, 8, 12, 16, 24, then every 4 weeks), follow-up. */
export function visitSchedule(visits: number): ScheduledVisit[] {
  const weeks = [2, 4, 8, 12, 16, 24];
  while (weeks.length < visits - 3) weeks.push((weeks.at(-1) ?? 0) + 4);
  weeks.length = visits - 3;
  return [
    { visitNum: 1, visit: 'SCREENING', visitDy: null, epoch: 'SCREENING' },
    { visitNum: 2, visit: 'DAY 1', visitDy: 1, epoch: 'TREATMENT' },
    ...weeks.map(
      (week, i): ScheduledVisit => ({
        visitNum: i + 3,
        visit: `WEEK ${week}`,
        visitDy: week * 7 + 1,
        epoch: 'TREATMENT',
      }),
    ),
    { visitNum: visits, visit: 'FOLLOW-UP', visitDy: null, epoch: 'FOLLOW-UP' },
  ];
}

/** Days from the last dose to the follow-up visit. */
export const FOLLOW_UP_DAYS = 28;

export type DiscontinuationReason =
  | 'ADVERSE EVENT'
  | 'WITHDRAWAL BY SUBJECT'
  | 'LOST TO FOLLOW-UP'
  | 'LACK OF EFFICACY'
  | 'PHYSICIAN DECISION'
  | 'DEATH';

/** Relative weights among discontinued subjects, per arm: AEs grow with dose, lack of efficacy shrinks. */
export const DISCONTINUATION_WEIGHTS: Record<DiscontinuationReason, Record<ArmCode, number>> = {
  'ADVERSE EVENT': { PBO: 4, LOW: 6, HIGH: 11 },
  'WITHDRAWAL BY SUBJECT': { PBO: 6, LOW: 6, HIGH: 6 },
  'LOST TO FOLLOW-UP': { PBO: 3, LOW: 3, HIGH: 3 },
  'LACK OF EFFICACY': { PBO: 6, LOW: 3, HIGH: 2 },
  'PHYSICIAN DECISION': { PBO: 2, LOW: 2, HIGH: 2 },
  DEATH: { PBO: 0.4, LOW: 0.4, HIGH: 0.5 },
};

/** The verbatim DSTERM an investigator writes for each reason (AE and death add the event). */
export const DISCONTINUATION_VERBATIM: Record<DiscontinuationReason, readonly string[]> = {
  'ADVERSE EVENT': ['ADVERSE EVENT'],
  'WITHDRAWAL BY SUBJECT': ['SUBJECT WITHDREW CONSENT', 'SUBJECT DECIDED TO STOP PARTICIPATION', 'MOVED AWAY'],
  'LOST TO FOLLOW-UP': ['LOST TO FOLLOW-UP', 'UNABLE TO CONTACT SUBJECT'],
  'LACK OF EFFICACY': ['LACK OF EFFICACY', 'NO IMPROVEMENT PER INVESTIGATOR'],
  'PHYSICIAN DECISION': ['INVESTIGATOR DECISION', 'PHYSICIAN DECISION'],
  DEATH: ['DEATH'],
};

export const SCREEN_FAILURE_VERBATIM = [
  'DID NOT MEET INCLUSION CRITERION 2',
  'DID NOT MEET INCLUSION CRITERION 4',
  'MET EXCLUSION CRITERION 3',
  'MET EXCLUSION CRITERION 7',
  'WITHDREW CONSENT BEFORE RANDOMIZATION',
] as const;

/** Enrollment opens on the first Monday of 2025 and runs for about twelve months. */
export const FIRST_CONSENT = '2025-01-06';
export const ENROLLMENT_DAYS = 360;
/** Sites open over the first four months, the way a study ramps up. */
export const SITE_ACTIVATION_DAYS = 120;
export const SCREEN_FAILURE_RATE = 0.15;
/** Randomised subjects who withdraw before their first dose. */
export const NOT_TREATED_RATE = 0.015;
/** Share of treated subjects who stop early over a 24-week treatment period, per arm. */
export const DISCONTINUATION_RATE: Record<ArmCode, number> = { PBO: 0.16, LOW: 0.16, HIGH: 0.21 };
export const MISSED_VISIT_RATE = 0.03;
