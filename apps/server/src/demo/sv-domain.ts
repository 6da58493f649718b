import { char, int } from './batch-builder.ts';
import { DATE_LENGTH, type DomainSpec, EPOCH_COLUMN, identifierColumns, visitColumns } from './sdtm-dataset.ts';
import { isoDate, studyDay } from './study-days.ts';
import type { StudyDesign } from './study-plan.ts';

function svColumns(design: StudyDesign) {
  return [
    ...identifierColumns(design),
    ...visitColumns(design),
    int('VISITDY', 'Planned Study Day of Visit'),
    EPOCH_COLUMN,
    char('SVSTDTC', 'Start Date/Time of Visit', DATE_LENGTH),
    char('SVENDTC', 'End Date/Time of Visit', DATE_LENGTH),
    int('SVSTDY', 'Study Day of Start of Visit'),
    int('SVENDY', 'Study Day of End of Visit'),
  ] as const;
}

/** Subject visits: the scheduled visits each subject actually attended (one day each). */
export function svDomain(design: StudyDesign): DomainSpec<ReturnType<typeof svColumns>> {
  return {
    name: 'SV',
    label: 'Subject Visits',
    columns: svColumns(design),
    *rows(plan) {
      for (const subject of plan) {
        for (const visit of subject.visits) {
          const date = isoDate(visit.day);
          const day = studyDay(visit.day, subject.randomizedDay);
          yield {
            STUDYID: design.studyId,
            DOMAIN: 'SV',
            USUBJID: subject.usubjid,
            VISITNUM: visit.visitNum,
            VISIT: visit.visit,
            VISITDY: visit.visitDy,
            EPOCH: visit.epoch,
            SVSTDTC: date,
            SVENDTC: date,
            SVSTDY: day,
            SVENDY: day,
          };
        }
      }
    },
  };
}
