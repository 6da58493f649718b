import { type AeTerm, aeTerm, armRate, FATAL_TERMS, WITHDRAWAL_TERMS } from './ae-dictionary.ts';
import { Random } from './random.ts';
import { byCodePoint } from './sas-sort.ts';
import { dayNumber } from './study-days.ts';
import {
  ARMS,
  type Arm,
  type ArmCode,
  COUNTRIES,
  type Country,
  DISCONTINUATION_RATE,
  DISCONTINUATION_VERBATIM,
  DISCONTINUATION_WEIGHTS,
  type DiscontinuationReason,
  ENROLLMENT_DAYS,
  type Epoch,
  FIRST_CONSENT,
  FOLLOW_UP_DAYS,
  MISSED_VISIT_RATE,
  NOT_TREATED_RATE,
  type Race,
  SCREEN_FAILURE_RATE,
  SCREEN_FAILURE_VERBATIM,
  type ScheduledVisit,
  SITE_ACTIVATION_DAYS,
  visitSchedule,
} from './study-design.ts';

/**
 * Who the subjects are and what happens to them: one plan per subject (demographics, arm, dates,
 * attended visits, disposition, planted liver events) that every domain reads, so DM, DS, SV,
 * EX, AE, LB and VS agree with each other. The plan is small (a few objects per subject); the
 * records themselves are generated per subject from their own streams, never held all at once.
 */

export interface StudyDesign {
  studyId: string;
  subjects: number;
  sites: number;
  seed: number;
  /** Scheduled visits per subject, screening and follow-up included; every visit draws labs. */
  visits: number;
}

export interface Site {
  id: string;
  country: Country;
  /** Days after the first consent date on which the site opens. */
  activationDay: number;
  /** Relative recruitment speed. */
  weight: number;
}

export interface PlannedVisit extends ScheduledVisit {
  day: number;
}

/**
 * Planted liver-test patterns for the eDISH plot: `hys-law` (ALT/AST > 3×ULN with bilirubin
 * > 2×ULN, ALP < 2×ULN), `transaminase` (isolated ALT/AST elevation) and `cholestatic`
 * (ALP > 2×ULN with bilirubin > 2×ULN: a liver injury that is not Hy's law).
 */
export type LiverEventKind = 'hys-law' | 'transaminase' | 'cholestatic';

export interface LiverEvent {
  kind: LiverEventKind;
  /** The visit whose labs first show it. */
  onsetVisitNum: number;
}

export interface Disposition {
  /** DSDECOD: `SCREEN FAILURE`, `COMPLETED` or a discontinuation reason. */
  decod: 'SCREEN FAILURE' | 'COMPLETED' | DiscontinuationReason;
  term: string;
  day: number;
}

export interface SubjectPlan {
  /** Position in DM order; keys each subject's random streams. */
  index: number;
  subjid: string;
  usubjid: string;
  site: Site;
  age: number;
  sex: 'M' | 'F';
  race: Race;
  ethnic: string;
  /** The randomised arm; null for screen failures. */
  arm: Arm | null;
  treated: boolean;
  consentDay: number;
  /** RFSTDTC: randomisation, which is also day 1 and the first dose for treated subjects. */
  randomizedDay: number | null;
  firstDoseDay: number | null;
  lastDoseDay: number | null;
  /** RFPENDTC: last day of participation. */
  endDay: number;
  deathDay: number | null;
  disposition: Disposition;
  /** The adverse event that stopped treatment (AE discontinuation) or caused death. */
  endingEvent: AeTerm | null;
  /** Attended visits, in order. */
  visits: PlannedVisit[];
  liver: LiverEvent | null;
  /**
   * Gilbert's syndrome: bilirubin often above ULN but under 2×ULN with normal ALT, a benign
   * cluster just under eDISH's hyperbilirubinaemia line.
   */
  gilbert: boolean;
}

export function planStudy(design: StudyDesign): SubjectPlan[] {
  const rng = Random.stream(design.seed, 'plan');
  const schedule = visitSchedule(design.visits);
  const subjects = enrolSubjects(rng, design, planSites(rng, design.sites));
  const drafts = screenAndRandomise(rng, subjects, schedule);
  plantLiverEvents(rng, subjects, drafts);
  return subjects;
}

/** SDTM EPOCH of a date-based event (AE, DS) for this subject. */
export function epochOn(subject: SubjectPlan, day: number): Epoch {
  if (subject.randomizedDay === null || day < subject.randomizedDay) return 'SCREENING';
  return day <= (subject.lastDoseDay ?? subject.endDay) ? 'TREATMENT' : 'FOLLOW-UP';
}

export function siteIdWidth(sites: number): number {
  return 1 + Math.max(3, String(sites).length);
}

export function subjectNumberWidth(subjects: number): number {
  return Math.max(4, String(subjects).length);
}

function planSites(rng: Random, count: number): Site[] {
  const sites: Site[] = [];
  for (let i = 0; i < count; i++) {
    // The first sites cover every country once; the rest follow each country's share.
    const country = COUNTRIES[i] ?? rng.weighted(COUNTRIES, (candidate) => candidate.siteWeight);
    sites.push({
      id: `S${String(i + 1).padStart(siteIdWidth(count) - 1, '0')}`,
      country,
      activationDay: i === 0 ? 0 : rng.int(0, SITE_ACTIVATION_DAYS),
      weight: rng.logNormal(1, 0.45),
    });
  }
  return sites;
}

function enrolSubjects(rng: Random, design: StudyDesign, sites: Site[]): SubjectPlan[] {
  const firstConsent = dayNumber(FIRST_CONSENT);
  const drafted = Array.from({ length: design.subjects }, (_, order) => {
    const site = rng.weighted(sites, (candidate) => candidate.weight);
    const consentDay =
      firstConsent + site.activationDay + Math.floor(rng.next() * (ENROLLMENT_DAYS - site.activationDay));
    const sex: 'M' | 'F' = rng.chance(0.48) ? 'F' : 'M';
    return {
      order,
      site,
      consentDay,
      sex,
      age: drawAge(rng),
      ...drawRace(rng, site.country),
      gilbert: rng.chance(0.015),
    };
  });
  // Subject numbers run per site in screening order; DM is sorted by USUBJID, i.e. by site then number.
  drafted.sort((a, b) => byCodePoint(a.site.id, b.site.id) || a.consentDay - b.consentDay || a.order - b.order);
  const perSite = new Map<Site, number>();
  return drafted.map((draft, index): SubjectPlan => {
    const number = (perSite.get(draft.site) ?? 0) + 1;
    perSite.set(draft.site, number);
    const subjid = `${draft.site.id}-${String(number).padStart(subjectNumberWidth(design.subjects), '0')}`;
    return {
      index,
      subjid,
      usubjid: `${design.studyId}-${subjid}`,
      site: draft.site,
      age: draft.age,
      sex: draft.sex,
      race: draft.race,
      ethnic: draft.ethnic,
      arm: null,
      treated: false,
      consentDay: draft.consentDay,
      randomizedDay: null,
      firstDoseDay: null,
      lastDoseDay: null,
      endDay: draft.consentDay,
      deathDay: null,
      disposition: { decod: 'SCREEN FAILURE', term: '', day: draft.consentDay },
      endingEvent: null,
      visits: [],
      liver: null,
      gilbert: draft.gilbert,
    };
  });
}

/** Roughly normal around 60, within the protocol's 18–85. */
function drawAge(rng: Random): number {
  for (;;) {
    const age = Math.floor(rng.normal(60, 11));
    if (age >= 18 && age <= 85) return age;
  }
}

function drawRace(rng: Random, country: Country): { race: Race; ethnic: string } {
  if (country.raceNotCollected) return { race: 'NOT REPORTED', ethnic: 'NOT REPORTED' };
  const races = Object.entries(country.race) as [Race, number][];
  const [race] = rng.weighted(races, ([, weight]) => weight);
  if (rng.chance(country.hispanic)) return { race, ethnic: 'HISPANIC OR LATINO' };
  return { race, ethnic: rng.chance(0.02) ? 'NOT REPORTED' : 'NOT HISPANIC OR LATINO' };
}

/** The random parts of a treated subject's course, drawn once so a planted event can re-settle it. */
interface TreatmentDraft {
  screening: PlannedVisit;
  /** Day 1 and the on-treatment visits on the days they would happen. */
  treatmentVisits: PlannedVisit[];
  missed: Set<number>;
  followUp: ScheduledVisit;
  followUpShift: number;
}

interface Discontinuation {
  reason: DiscontinuationReason;
  term: string;
  day: number;
  event: AeTerm | null;
}

const REASONS = Object.keys(DISCONTINUATION_WEIGHTS) as DiscontinuationReason[];
/** Reasons after which the subject still comes back for the safety follow-up visit. */
const FOLLOWED_UP = new Set<DiscontinuationReason>(['ADVERSE EVENT', 'LACK OF EFFICACY', 'PHYSICIAN DECISION']);

function screenAndRandomise(
  rng: Random,
  subjects: SubjectPlan[],
  schedule: ScheduledVisit[],
): Map<SubjectPlan, TreatmentDraft> {
  const [screeningVisit] = schedule;
  const followUp = schedule.at(-1);
  if (!screeningVisit || !followUp) throw new Error('visit schedule needs screening and follow-up');

  for (const subject of subjects) {
    const screening = { ...screeningVisit, day: subject.consentDay };
    subject.visits = [screening];
    const decisionDay = subject.consentDay + rng.int(7, 28);
    if (rng.chance(SCREEN_FAILURE_RATE)) {
      subject.endDay = decisionDay;
      subject.disposition = { decod: 'SCREEN FAILURE', term: rng.pick(SCREEN_FAILURE_VERBATIM), day: decisionDay };
      continue;
    }
    subject.randomizedDay = decisionDay;
  }

  // Permuted blocks of six per site, in order of randomisation: 1:1:1 overall and within sites.
  const randomised = subjects.filter((subject) => subject.randomizedDay !== null);
  const byDate = [...randomised].sort((a, b) => (a.randomizedDay ?? 0) - (b.randomizedDay ?? 0));
  const blocks = new Map<Site, Arm[]>();
  for (const subject of byDate) {
    let block = blocks.get(subject.site);
    if (!block?.length) {
      block = rng.shuffle([...ARMS, ...ARMS]);
      blocks.set(subject.site, block);
    }
    subject.arm = block.pop() ?? null;
  }

  const drafts = new Map<SubjectPlan, TreatmentDraft>();
  for (const subject of randomised) {
    const day1 = subject.randomizedDay ?? 0;
    const screening = subject.visits[0] as PlannedVisit;
    if (rng.chance(NOT_TREATED_RATE)) {
      const day = day1 + rng.int(0, 5);
      subject.endDay = day;
      subject.disposition = { decod: 'WITHDRAWAL BY SUBJECT', term: 'SUBJECT WITHDREW CONSENT', day };
      continue;
    }
    const draft = draftTreatment(rng, screening, schedule, followUp, day1);
    drafts.set(subject, draft);
    settle(subject, draft, drawDiscontinuation(rng, subject.arm?.code ?? 'PBO', draft));
  }
  return drafts;
}

function draftTreatment(
  rng: Random,
  screening: PlannedVisit,
  schedule: ScheduledVisit[],
  followUp: ScheduledVisit,
  day1: number,
): TreatmentDraft {
  const treatmentVisits: PlannedVisit[] = [];
  let previous = day1 - 1;
  for (const visit of schedule) {
    if (visit.epoch !== 'TREATMENT' || visit.visitDy === null) continue;
    // Protocol windows: ±2 days up to week 4, ±4 days after.
    const window = visit.visitDy === 1 ? 0 : visit.visitDy <= 29 ? 2 : 4;
    const day = Math.max(previous + 1, day1 + visit.visitDy - 1 + rng.int(-window, window));
    treatmentVisits.push({ ...visit, day });
    previous = day;
  }
  const missed = new Set<number>();
  // Day 1 and the end-of-treatment visit are never missed: one defines baseline, the other completion.
  for (const visit of treatmentVisits.slice(1, -1)) {
    if (rng.chance(MISSED_VISIT_RATE)) missed.add(visit.visitNum);
  }
  return { screening, treatmentVisits, missed, followUp, followUpShift: rng.int(-3, 3) };
}

function drawDiscontinuation(rng: Random, arm: ArmCode, draft: TreatmentDraft): Discontinuation | null {
  const first = draft.treatmentVisits[0]?.day ?? 0;
  const last = draft.treatmentVisits.at(-1)?.day ?? first;
  // Longer schedules (the benchmark's extra visits) lose more subjects, but less than in
  // proportion: most who stop do so in the first months.
  const weeks = (last - first) / 7;
  if (!rng.chance(Math.min(0.6, DISCONTINUATION_RATE[arm] * Math.sqrt(weeks / 24)))) return null;
  const reason = rng.weighted(REASONS, (candidate) => DISCONTINUATION_WEIGHTS[candidate][arm]);
  const day = first + 1 + Math.floor(rng.next() * Math.max(1, last - first - 1));
  let event: AeTerm | null = null;
  if (reason === 'ADVERSE EVENT') {
    event = rng.weighted(WITHDRAWAL_TERMS, (term) => armRate(term, arm));
  } else if (reason === 'DEATH') {
    event = rng.pick(FATAL_TERMS);
  }
  return { reason, term: rng.pick(DISCONTINUATION_VERBATIM[reason]), day, event };
}

/** Derives visits, dosing and disposition from the draft and how treatment ended. */
function settle(subject: SubjectPlan, draft: TreatmentDraft, stop: Discontinuation | null): void {
  const attended = draft.treatmentVisits.filter(
    (visit) => !draft.missed.has(visit.visitNum) && (stop === null || visit.day <= stop.day),
  );
  const firstDose = draft.treatmentVisits[0]?.day ?? 0;
  const lastDose = stop === null ? (draft.treatmentVisits.at(-1)?.day ?? firstDose) : Math.max(firstDose, stop.day - 1);
  const visits = [draft.screening, ...attended];
  const lastVisitDay = visits.at(-1)?.day ?? firstDose;
  let endDay = stop?.day ?? lastDose;
  if (stop === null || FOLLOWED_UP.has(stop.reason)) {
    const day = Math.max(lastVisitDay + 1, stop?.day ?? 0, lastDose + FOLLOW_UP_DAYS + draft.followUpShift);
    visits.push({ ...draft.followUp, day });
    endDay = day;
  }
  subject.treated = true;
  subject.firstDoseDay = firstDose;
  subject.lastDoseDay = lastDose;
  subject.visits = visits;
  subject.endDay = endDay;
  subject.deathDay = stop?.reason === 'DEATH' ? stop.day : null;
  subject.endingEvent = stop?.event ?? null;
  subject.disposition = stop
    ? { decod: stop.reason, term: stop.term, day: stop.day }
    : { decod: 'COMPLETED', term: 'COMPLETED', day: endDay };
}

/** Hy's-law cases per eligible subject; at least one in the high dose whenever it has candidates. */
const HYS_LAW_SHARE: Record<ArmCode, number> = { PBO: 0, LOW: 0.004, HIGH: 0.02 };
const TRANSAMINASE_RATE: Record<ArmCode, number> = { PBO: 0.015, LOW: 0.03, HIGH: 0.06 };
const CHOLESTATIC_RATE = 0.004;

function plantLiverEvents(rng: Random, subjects: SubjectPlan[], drafts: Map<SubjectPlan, TreatmentDraft>): void {
  const onTreatment = (subject: SubjectPlan) =>
    subject.visits.filter((visit) => visit.epoch === 'TREATMENT' && (visit.visitDy ?? 0) > 1);

  for (const arm of ARMS) {
    // Hy's-law cases need an onset visit and a retest after it, at which the drug is withdrawn.
    const pool = rng.shuffle(subjects.filter((s) => s.arm === arm && s.treated && onTreatment(s).length >= 3));
    const share = HYS_LAW_SHARE[arm.code];
    const count =
      share === 0 || pool.length === 0 ? 0 : Math.max(arm.code === 'HIGH' ? 1 : 0, Math.round(share * pool.length));
    for (const subject of pool.slice(0, count)) {
      const visits = onTreatment(subject);
      const at = rng.int(0, visits.length - 2);
      const onset = visits[at] as PlannedVisit;
      const retest = visits[at + 1] as PlannedVisit;
      const draft = drafts.get(subject);
      if (!draft) continue;
      settle(subject, draft, {
        reason: 'ADVERSE EVENT',
        term: 'ADVERSE EVENT',
        day: retest.day,
        event: aeTerm('Drug-induced liver injury'),
      });
      subject.liver = { kind: 'hys-law', onsetVisitNum: onset.visitNum };
    }
  }

  for (const subject of subjects) {
    const visits = onTreatment(subject);
    if (!subject.arm || subject.liver || visits.length === 0) continue;
    const kind: LiverEventKind | null = rng.chance(TRANSAMINASE_RATE[subject.arm.code])
      ? 'transaminase'
      : rng.chance(CHOLESTATIC_RATE)
        ? 'cholestatic'
        : null;
    if (kind) subject.liver = { kind, onsetVisitNum: rng.pick(visits).visitNum };
  }
}
