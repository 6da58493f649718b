import { char, int, longest } from './batch-builder.ts';
import { DATE_LENGTH, type DomainSpec, EPOCH_COLUMN, identifierColumns } from './sdtm-dataset.ts';
import { isoDate, studyDay } from './study-days.ts';
import { DISCONTINUATION_VERBATIM, SCREEN_FAILURE_VERBATIM } from './study-design.ts';
import { epochOn, type StudyDesign } from './study-plan.ts';

const CONSENT = 'INFORMED CONSENT OBTAINED';
const RANDOMIZED = 'RANDOMIZED';
const TERMS = [
  CONSENT,
  RANDOMIZED,
  'COMPLETED',
  ...SCREEN_FAILURE_VERBATIM,
  ...Object.values(DISCONTINUATION_VERBATIM).flat(),
];
const DECODS = [CONSENT, RANDOMIZED, 'COMPLETED', 'SCREEN FAILURE', ...Object.keys(DISCONTINUATION_VERBATIM)];
const MILESTONE = 'PROTOCOL MILESTONE';
const DISPOSITION = 'DISPOSITION EVENT';
const PARTICIPATION = 'STUDY PARTICIPATION';

function dsColumns(design: StudyDesign) {
  return [
    ...identifierColumns(design),
    int('DSSEQ', 'Sequence Number'),
    char('DSTERM', 'Reported Term for the Disposition Event', longest(TERMS)),
    char('DSDECOD', 'Standardized Disposition Term', longest(DECODS)),
    char('DSCAT', 'Category for Disposition Event', longest([MILESTONE, DISPOSITION])),
    char('DSSCAT', 'Subcategory for Disposition Event', PARTICIPATION.length),
    EPOCH_COLUMN,
    char('DSSTDTC', 'Start Date/Time of Disposition Event', DATE_LENGTH),
    int('DSSTDY', 'Study Day of Start of Disposition Event'),
  ] as const;
}

/**
 * Disposition: consent and randomisation milestones, then one end-of-study event (completed,
 * screen failure or the reason for discontinuation). Milestones carry no EPOCH, as SDTMIG asks.
 */
export function dsDomain(design: StudyDesign): DomainSpec<ReturnType<typeof dsColumns>> {
  return {
    name: 'DS',
    label: 'Disposition',
    columns: dsColumns(design),
    *rows(plan) {
      for (const subject of plan) {
        const events = [{ term: CONSENT, decod: CONSENT, cat: MILESTONE, day: subject.consentDay }];
        if (subject.randomizedDay !== null) {
          events.push({ term: RANDOMIZED, decod: RANDOMIZED, cat: MILESTONE, day: subject.randomizedDay });
        }
        const { term, decod, day } = subject.disposition;
        events.push({ term, decod, cat: DISPOSITION, day });
        let seq = 0;
        for (const event of events) {
          const milestone = event.cat === MILESTONE;
          yield {
            STUDYID: design.studyId,
            DOMAIN: 'DS',
            USUBJID: subject.usubjid,
            DSSEQ: ++seq,
            DSTERM: event.term,
            DSDECOD: event.decod,
            DSCAT: event.cat,
            DSSCAT: milestone ? null : PARTICIPATION,
            EPOCH: milestone ? null : epochOn(subject, event.day),
            DSSTDTC: isoDate(event.day),
            DSSTDY: studyDay(event.day, subject.randomizedDay),
          };
        }
      }
    },
  };
}
