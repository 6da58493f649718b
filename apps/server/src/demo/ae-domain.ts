import { AE_TERMS, type AeTerm, aeTerm, armRate } from './ae-dictionary.ts';
import { char, int, longest } from './batch-builder.ts';
import { Random } from './random.ts';
import { byCodePoint } from './sas-sort.ts';
import { DATE_LENGTH, type DomainSpec, EPOCH_COLUMN, identifierColumns } from './sdtm-dataset.ts';
import { dtc, isoDate, studyDay } from './study-days.ts';
import type { ArmCode } from './study-design.ts';
import { epochOn, type StudyDesign, type SubjectPlan } from './study-plan.ts';

const SEVERITIES = ['MILD', 'MODERATE', 'SEVERE'] as const;
const RELATIONS = ['NOT RELATED', 'UNLIKELY RELATED', 'POSSIBLY RELATED', 'RELATED'] as const;
const ACTIONS = ['DOSE NOT CHANGED', 'DRUG INTERRUPTED', 'DRUG WITHDRAWN', 'NOT APPLICABLE', 'UNKNOWN'] as const;
const OUTCOMES = [
  'RECOVERED/RESOLVED',
  'RECOVERED/RESOLVED WITH SEQUELAE',
  'RECOVERING/RESOLVING',
  'NOT RECOVERED/NOT RESOLVED',
  'FATAL',
] as const;

type Severity = (typeof SEVERITIES)[number];
type Relation = (typeof RELATIONS)[number];
type Action = (typeof ACTIONS)[number];

function aeColumns(design: StudyDesign) {
  return [
    ...identifierColumns(design),
    int('AESEQ', 'Sequence Number'),
    char('AETERM', 'Reported Term for the Adverse Event', longest(AE_TERMS.flatMap((term) => term.verbatim))),
    char('AEDECOD', 'Dictionary-Derived Term', longest(AE_TERMS.map((term) => term.pt))),
    char('AEBODSYS', 'Body System or Organ Class', longest(AE_TERMS.map((term) => term.soc))),
    char('AESEV', 'Severity/Intensity', longest(SEVERITIES)),
    char('AESER', 'Serious Event', 1),
    char('AEACN', 'Action Taken with Study Treatment', longest(ACTIONS)),
    char('AEREL', 'Causality', longest(RELATIONS)),
    char('AEOUT', 'Outcome of Adverse Event', longest(OUTCOMES)),
    char('AESDTH', 'Results in Death', 1),
    char('AESHOSP', 'Requires or Prolongs Hospitalization', 1),
    char('AESMIE', 'Other Medically Important Serious Event', 1),
    EPOCH_COLUMN,
    char('AESTDTC', 'Start Date/Time of Adverse Event', DATE_LENGTH),
    char('AEENDTC', 'End Date/Time of Adverse Event', DATE_LENGTH),
    int('AESTDY', 'Study Day of Start of Adverse Event'),
    int('AEENDY', 'Study Day of End of Adverse Event'),
  ] as const;
}

/**
 * Adverse events, treatment-emergent only (first dose to end of participation), so screen
 * failures and randomised-not-treated subjects have none. Drug-related terms are more frequent
 * and earlier on drug; the events that end treatment (AE discontinuation, death, planted liver
 * injury) are always present and agree with DS, DM and LB.
 */
export function aeDomain(design: StudyDesign): DomainSpec<ReturnType<typeof aeColumns>> {
  return {
    name: 'AE',
    label: 'Adverse Events',
    columns: aeColumns(design),
    *rows(plan) {
      for (const subject of plan) {
        const events = subjectEvents(Random.stream(design.seed, 'AE', subject.index), subject);
        events.sort((a, b) => a.start - b.start || byCodePoint(a.term.pt, b.term.pt));
        let seq = 0;
        for (const event of events) {
          yield {
            STUDYID: design.studyId,
            DOMAIN: 'AE',
            USUBJID: subject.usubjid,
            AESEQ: ++seq,
            AETERM: event.verbatim,
            AEDECOD: event.term.pt,
            AEBODSYS: event.term.soc,
            AESEV: event.severity,
            AESER: event.serious ? 'Y' : 'N',
            AEACN: event.action,
            AEREL: event.relation,
            AEOUT: event.outcome,
            AESDTH: event.serious ? (event.fatal ? 'Y' : 'N') : null,
            AESHOSP: event.serious ? (event.hospitalised ? 'Y' : 'N') : null,
            AESMIE: event.serious ? (event.fatal || event.hospitalised ? 'N' : 'Y') : null,
            EPOCH: epochOn(subject, event.start),
            AESTDTC: isoDate(event.start),
            AEENDTC: dtc(event.end),
            AESTDY: studyDay(event.start, subject.randomizedDay),
            AEENDY: event.end === null ? null : studyDay(event.end, subject.randomizedDay),
          };
        }
      }
    },
  };
}

interface AeEvent {
  term: AeTerm;
  verbatim: string;
  start: number;
  end: number | null;
  severity: Severity;
  serious: boolean;
  fatal: boolean;
  hospitalised: boolean;
  relation: Relation;
  action: Action;
  outcome: (typeof OUTCOMES)[number];
}

interface Forced {
  serious?: boolean;
  fatal?: boolean;
  action?: Action;
}

/** `AeTerm.rate` is per 24 weeks. */
const REFERENCE_DAYS = 168;

function subjectEvents(rng: Random, subject: SubjectPlan): AeEvent[] {
  const { arm, firstDoseDay: first } = subject;
  if (!subject.treated || !arm || first === null) return [];
  const days = subject.endDay - first + 1;
  const events: AeEvent[] = [];

  for (const term of AE_TERMS) {
    if (term.labDriven) continue;
    const count = rng.poisson(armRate(term, arm.code) * (days / REFERENCE_DAYS));
    // Drug effects show early: on drug, related terms cluster in the first weeks.
    const early = arm.code !== 'PBO' && (term.high ?? 1) > 1;
    for (let i = 0; i < count; i++) {
      const start = first + Math.floor(rng.next() ** (early ? 2 : 1) * days);
      events.push(makeEvent(rng, subject, arm.code, term, start));
    }
  }

  const { endingEvent, disposition, deathDay, liver } = subject;
  const onset = liver ? subject.visits.find((visit) => visit.visitNum === liver.onsetVisitNum) : undefined;
  if (endingEvent && deathDay !== null) {
    const start = Math.max(first, deathDay - rng.int(0, 14));
    events.push(
      makeEvent(rng, subject, arm.code, endingEvent, start, { serious: true, fatal: true, action: 'DRUG WITHDRAWN' }),
    );
  } else if (endingEvent && liver?.kind === 'hys-law' && onset) {
    // Reported a few days after the onset labs come back; the drug is withdrawn at the retest.
    const start = Math.min(onset.day + rng.int(1, 3), disposition.day - 1);
    events.push(makeEvent(rng, subject, arm.code, endingEvent, start, { action: 'DRUG WITHDRAWN' }));
  } else if (endingEvent) {
    const start = Math.max(first, disposition.day - rng.int(1, 10));
    events.push(makeEvent(rng, subject, arm.code, endingEvent, start, { action: 'DRUG WITHDRAWN' }));
  }

  // Not every lab abnormality is reported as an AE; cholestasis usually is.
  if (onset && liver?.kind === 'transaminase' && rng.chance(0.6)) {
    const start = Math.min(onset.day + rng.int(0, 3), subject.endDay);
    events.push(makeEvent(rng, subject, arm.code, aeTerm('Alanine aminotransferase increased'), start));
    if (rng.chance(0.4)) {
      events.push(makeEvent(rng, subject, arm.code, aeTerm('Aspartate aminotransferase increased'), start));
    }
  }
  if (onset && liver?.kind === 'cholestatic' && rng.chance(0.8)) {
    const start = Math.min(onset.day + rng.int(0, 3), subject.endDay);
    events.push(makeEvent(rng, subject, arm.code, aeTerm('Cholestasis'), start));
  }
  return events;
}

function makeEvent(
  rng: Random,
  subject: SubjectPlan,
  arm: ArmCode,
  term: AeTerm,
  start: number,
  forced: Forced = {},
): AeEvent {
  const fatal = forced.fatal ?? false;
  const serious = forced.serious ?? rng.chance(term.serious);
  const severity = fatal
    ? 'SEVERE'
    : rng.weighted(SEVERITIES, (level) => (serious ? SERIOUS_SEVERITY : SEVERITY)[level]);
  const lastDose = subject.lastDoseDay ?? start;

  let end: number | null = start + Math.max(0, Math.round(rng.logNormal(term.days, 0.6)) - 1);
  let outcome: AeEvent['outcome'] = rng.chance(serious ? 0.08 : 0.02)
    ? 'RECOVERED/RESOLVED WITH SEQUELAE'
    : 'RECOVERED/RESOLVED';
  if (fatal) {
    end = subject.deathDay ?? start;
    outcome = 'FATAL';
  } else if (end > subject.endDay) {
    // Still going when the subject left the study: no end date.
    end = null;
    outcome = rng.chance(0.4) ? 'RECOVERING/RESOLVING' : 'NOT RECOVERED/NOT RESOLVED';
  }

  let action: Action = forced.action ?? 'DOSE NOT CHANGED';
  if (start > lastDose) action = 'NOT APPLICABLE';
  else if (!forced.action && (serious || severity === 'SEVERE')) {
    action = rng.chance(0.4) ? 'DRUG INTERRUPTED' : 'DOSE NOT CHANGED';
  } else if (!forced.action) {
    action = rng.weighted(['DOSE NOT CHANGED', 'DRUG INTERRUPTED', 'UNKNOWN'] as const, (a) => MINOR_ACTION[a]);
  }

  const related = (term.high ?? 1) > 1 || term.labDriven === true;
  const weights = fatal ? FATAL_RELATION : !related ? UNRELATED_TERM : arm === 'PBO' ? RELATED_TERM_PBO : RELATED_TERM;
  return {
    term,
    verbatim: rng.pick(term.verbatim),
    start,
    end,
    severity,
    serious,
    fatal,
    hospitalised: serious && !fatal && rng.chance(0.85),
    relation: rng.weighted(RELATIONS, (relation) => weights[relation]),
    action,
    outcome,
  };
}

const SEVERITY: Record<Severity, number> = { MILD: 62, MODERATE: 31, SEVERE: 7 };
const SERIOUS_SEVERITY: Record<Severity, number> = { MILD: 5, MODERATE: 40, SEVERE: 55 };
const MINOR_ACTION = { 'DOSE NOT CHANGED': 95, 'DRUG INTERRUPTED': 4, UNKNOWN: 1 } as const;
/** Investigators are blinded, but attribution still tracks the drug's real effects. */
const RELATED_TERM: Record<Relation, number> = {
  'NOT RELATED': 12,
  'UNLIKELY RELATED': 18,
  'POSSIBLY RELATED': 38,
  RELATED: 32,
};
const RELATED_TERM_PBO: Record<Relation, number> = {
  'NOT RELATED': 25,
  'UNLIKELY RELATED': 30,
  'POSSIBLY RELATED': 30,
  RELATED: 15,
};
const UNRELATED_TERM: Record<Relation, number> = {
  'NOT RELATED': 50,
  'UNLIKELY RELATED': 32,
  'POSSIBLY RELATED': 14,
  RELATED: 4,
};
const FATAL_RELATION: Record<Relation, number> = {
  'NOT RELATED': 60,
  'UNLIKELY RELATED': 30,
  'POSSIBLY RELATED': 10,
  RELATED: 0,
};
