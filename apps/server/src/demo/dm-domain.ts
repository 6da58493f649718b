import { char, int, longest } from './batch-builder.ts';
import { DATE_LENGTH, type DomainSpec, identifierColumns, subjidLength } from './sdtm-dataset.ts';
import { dtc, isoDate, studyDay } from './study-days.ts';
import { ARMS, ETHNICITIES, NOT_TREATED_ARM, RACES, SCREEN_FAILURE_ARM } from './study-design.ts';
import { type StudyDesign, siteIdWidth } from './study-plan.ts';

const ARM_CODES = [...ARMS.map((arm) => arm.code), SCREEN_FAILURE_ARM.code, NOT_TREATED_ARM.code];
const ARM_NAMES = [...ARMS.map((arm) => arm.name), SCREEN_FAILURE_ARM.name, NOT_TREATED_ARM.name];

function dmColumns(design: StudyDesign) {
  return [
    ...identifierColumns(design),
    char('SUBJID', 'Subject Identifier for the Study', subjidLength(design)),
    char('RFSTDTC', 'Subject Reference Start Date/Time', DATE_LENGTH),
    char('RFENDTC', 'Subject Reference End Date/Time', DATE_LENGTH),
    char('RFXSTDTC', 'Date/Time of First Study Treatment', DATE_LENGTH),
    char('RFXENDTC', 'Date/Time of Last Study Treatment', DATE_LENGTH),
    char('RFICDTC', 'Date/Time of Informed Consent', DATE_LENGTH),
    char('RFPENDTC', 'Date/Time of End of Participation', DATE_LENGTH),
    char('DTHDTC', 'Date/Time of Death', DATE_LENGTH),
    char('DTHFL', 'Subject Death Flag', 1),
    char('SITEID', 'Study Site Identifier', siteIdWidth(design.sites)),
    int('AGE', 'Age'),
    char('AGEU', 'Age Units', 5),
    char('SEX', 'Sex', 1),
    char('RACE', 'Race', longest(RACES)),
    char('ETHNIC', 'Ethnicity', longest(ETHNICITIES)),
    char('ARMCD', 'Planned Arm Code', longest(ARM_CODES)),
    char('ARM', 'Description of Planned Arm', longest(ARM_NAMES)),
    char('ACTARMCD', 'Actual Arm Code', longest(ARM_CODES)),
    char('ACTARM', 'Description of Actual Arm', longest(ARM_NAMES)),
    char('COUNTRY', 'Country', 3),
    char('DMDTC', 'Date/Time of Collection', DATE_LENGTH),
    int('DMDY', 'Study Day of Collection'),
  ] as const;
}

/** Demographics: one record per screened subject, screen failures included (SDTMIG 3.2 style). */
export function dmDomain(design: StudyDesign): DomainSpec<ReturnType<typeof dmColumns>> {
  return {
    name: 'DM',
    label: 'Demographics',
    columns: dmColumns(design),
    *rows(plan) {
      for (const subject of plan) {
        const planned = subject.arm ?? SCREEN_FAILURE_ARM;
        const actual = subject.treated ? planned : subject.arm ? NOT_TREATED_ARM : SCREEN_FAILURE_ARM;
        yield {
          STUDYID: design.studyId,
          DOMAIN: 'DM',
          USUBJID: subject.usubjid,
          SUBJID: subject.subjid,
          RFSTDTC: dtc(subject.randomizedDay),
          RFENDTC: subject.randomizedDay === null ? null : isoDate(subject.endDay),
          RFXSTDTC: dtc(subject.firstDoseDay),
          RFXENDTC: dtc(subject.lastDoseDay),
          RFICDTC: isoDate(subject.consentDay),
          RFPENDTC: isoDate(subject.endDay),
          DTHDTC: dtc(subject.deathDay),
          DTHFL: subject.deathDay === null ? null : 'Y',
          SITEID: subject.site.id,
          AGE: subject.age,
          AGEU: 'YEARS',
          SEX: subject.sex,
          RACE: subject.race,
          ETHNIC: subject.ethnic,
          ARMCD: planned.code,
          ARM: planned.name,
          ACTARMCD: actual.code,
          ACTARM: actual.name,
          COUNTRY: subject.site.country.code,
          DMDTC: isoDate(subject.consentDay),
          DMDY: studyDay(subject.consentDay, subject.randomizedDay),
        };
      }
    },
  };
}
