import { char, int, longest, num } from './batch-builder.ts';
import { DATE_LENGTH, type DomainSpec, EPOCH_COLUMN, identifierColumns, visitColumns } from './sdtm-dataset.ts';
import { isoDate, studyDay } from './study-days.ts';
import { ARMS } from './study-design.ts';
import type { StudyDesign } from './study-plan.ts';

function exColumns(design: StudyDesign) {
  return [
    ...identifierColumns(design),
    int('EXSEQ', 'Sequence Number'),
    char('EXTRT', 'Name of Treatment', longest(ARMS.map((arm) => arm.treatment))),
    num('EXDOSE', 'Dose'),
    char('EXDOSU', 'Dose Units', 2),
    char('EXDOSFRM', 'Dose Form', 6),
    char('EXDOSFRQ', 'Dosing Frequency per Interval', 2),
    char('EXROUTE', 'Route of Administration', 4),
    ...visitColumns(design),
    EPOCH_COLUMN,
    char('EXSTDTC', 'Start Date/Time of Treatment', DATE_LENGTH),
    char('EXENDTC', 'End Date/Time of Treatment', DATE_LENGTH),
    int('EXSTDY', 'Study Day of Start of Treatment'),
    int('EXENDY', 'Study Day of End of Treatment'),
  ] as const;
}

/**
 * Exposure: one record per dispensing interval (from a treatment visit to the day before the
 * next one, or to the last dose), once-daily oral tablets at the arm's dose; placebo is 0 mg.
 * Only treated subjects have records.
 */
export function exDomain(design: StudyDesign): DomainSpec<ReturnType<typeof exColumns>> {
  return {
    name: 'EX',
    label: 'Exposure',
    columns: exColumns(design),
    *rows(plan) {
      for (const subject of plan) {
        const { arm, firstDoseDay: first, lastDoseDay: last } = subject;
        if (!subject.treated || !arm || first === null || last === null) continue;
        const dispensing = subject.visits.filter(
          (visit) => visit.epoch === 'TREATMENT' && (visit.day < last || visit.day === first),
        );
        let seq = 0;
        for (const [i, visit] of dispensing.entries()) {
          const next = dispensing[i + 1];
          const end = next ? Math.min(next.day - 1, last) : last;
          yield {
            STUDYID: design.studyId,
            DOMAIN: 'EX',
            USUBJID: subject.usubjid,
            EXSEQ: ++seq,
            EXTRT: arm.treatment,
            EXDOSE: arm.dose,
            EXDOSU: 'mg',
            EXDOSFRM: 'TABLET',
            EXDOSFRQ: 'QD',
            EXROUTE: 'ORAL',
            VISITNUM: visit.visitNum,
            VISIT: visit.visit,
            EPOCH: 'TREATMENT',
            EXSTDTC: isoDate(visit.day),
            EXENDTC: isoDate(end),
            EXSTDY: studyDay(visit.day, subject.randomizedDay),
            EXENDY: studyDay(end, subject.randomizedDay),
          };
        }
      }
    },
  };
}
