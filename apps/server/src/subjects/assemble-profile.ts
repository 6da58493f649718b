import type { SubjectEvent, SubjectEventKind, SubjectField, SubjectMeasurement, SubjectSummary } from '@cdp/contracts';
import type { ProfileSection } from './profile-sources.ts';
import type { SubjectRecord } from './read-subject-data.ts';
import { byDate, flagOf, numberOf, textOf } from './record-values.ts';

/** A dataset's rows for the subject as the assembly needs them: upper-cased names, labels, PHI marks. */
export interface SectionRows {
  name: string;
  columns: Array<{ name: string; label: string | null; masked?: boolean }>;
  records: SubjectRecord[];
}

export interface AssembledProfile {
  summary: SubjectSummary;
  demographics: { dataset: string; fields: SubjectField[] } | null;
  events: SubjectEvent[];
  labs: SubjectMeasurement[];
  vitals: SubjectMeasurement[];
}

/**
 * A subject's profile from the rows of the datasets each section reads (`profileSources`): pure,
 * so SDTM and ADaM spellings are table-tested without a database. Values are taken as recorded;
 * the one derived value is a lab or vital flag that the data leave blank (from the limits).
 */
export function assembleProfile(subjectId: string, sections: Record<ProfileSection, SectionRows[]>): AssembledProfile {
  const demographicsRows = sections.demographics[0];
  const subject = demographicsRows?.records[0] ?? {};
  const events = [
    ...sections.visit.flatMap((d) => d.records.map((r) => visitEvent(d.name, r))),
    ...sections.exposure.flatMap((d) => d.records.map((r) => exposureEvent(d.name, r))),
    ...sections.adverse_event.flatMap((d) => d.records.map((r) => adverseEvent(d.name, r))),
    ...sections.medication.flatMap((d) => d.records.map((r) => medicationEvent(d.name, r))),
    ...sections.medical_history.flatMap((d) => d.records.map((r) => historyEvent(d.name, r))),
    ...sections.disposition.flatMap((d) => d.records.flatMap((r) => dispositionEvents(d.name, r))),
  ].sort((a, b) => byDate(a.start, b.start) || KIND_ORDER.indexOf(a.kind) - KIND_ORDER.indexOf(b.kind) || bySeq(a, b));
  return {
    summary: summaryOf(subjectId, subject, events),
    demographics: demographicsRows
      ? {
          dataset: demographicsRows.name,
          fields: demographicsRows.columns.map((c) => ({
            name: c.name,
            label: c.label,
            value: cell(subject[c.name.toUpperCase()]),
            ...(c.masked ? { masked: true } : {}),
          })),
        }
      : null,
    events,
    labs: measurements(sections.labs, 'LB'),
    vitals: measurements(sections.vitals, 'VS'),
  };
}

const KIND_ORDER: SubjectEventKind[] = [
  'medical_history',
  'visit',
  'exposure',
  'adverse_event',
  'medication',
  'disposition',
];

function bySeq(a: SubjectEvent, b: SubjectEvent): number {
  return (a.seq ?? Number.MAX_SAFE_INTEGER) - (b.seq ?? Number.MAX_SAFE_INTEGER);
}

function cell(value: unknown): SubjectField['value'] {
  if (value === null || value === undefined) return null;
  if (typeof value === 'string' || typeof value === 'number' || typeof value === 'boolean') return value;
  return String(value);
}

function summaryOf(subjectId: string, r: SubjectRecord, events: SubjectEvent[]): SubjectSummary {
  // The end-of-study disposition: the last DISPOSITION EVENT (DS), or ADSL's own.
  const ends = events.filter(
    (e) => e.kind === 'disposition' && (e.category === null || e.category.toUpperCase() === 'DISPOSITION EVENT'),
  );
  const end = ends.at(-1);
  return {
    subjectId,
    site: textOf(r, 'SITEID', 'SITE'),
    country: textOf(r, 'COUNTRY'),
    arm: textOf(r, 'ARM', 'TRT01P'),
    actualArm: textOf(r, 'ACTARM', 'TRT01A'),
    sex: textOf(r, 'SEX'),
    age: numberOf(r, 'AGE'),
    ageUnit: textOf(r, 'AGEU'),
    race: textOf(r, 'RACE'),
    ethnicity: textOf(r, 'ETHNIC'),
    firstDose: textOf(r, 'RFXSTDTC', 'TRTSDT', 'RFSTDTC'),
    lastDose: textOf(r, 'RFXENDTC', 'TRTEDT', 'RFENDTC'),
    status: end?.decod ?? end?.term ?? textOf(r, 'EOSSTT', 'DCDECOD'),
    died: flagOf(r, 'DTHFL') === true,
  };
}

function baseEvent(kind: SubjectEventKind, dataset: string, term: string): SubjectEvent {
  return {
    kind,
    dataset,
    seq: null,
    term,
    decod: null,
    category: null,
    start: null,
    end: null,
    startDay: null,
    endDay: null,
    visit: null,
    visitNum: null,
    severity: null,
    serious: null,
    related: null,
    outcome: null,
    action: null,
    treatmentEmergent: null,
    dose: null,
    doseUnit: null,
    route: null,
    frequency: null,
    indication: null,
  };
}

function visitOf(r: SubjectRecord) {
  return { visit: textOf(r, 'VISIT', 'AVISIT'), visitNum: numberOf(r, 'VISITNUM', 'AVISITN') };
}

function visitEvent(dataset: string, r: SubjectRecord): SubjectEvent {
  const visit = visitOf(r);
  return {
    ...baseEvent('visit', dataset, visit.visit ?? `Visit ${visit.visitNum ?? ''}`.trim()),
    ...visit,
    start: textOf(r, 'SVSTDTC'),
    end: textOf(r, 'SVENDTC'),
    startDay: numberOf(r, 'SVSTDY'),
    endDay: numberOf(r, 'SVENDY'),
  };
}

/** Start, end and study days, SDTM (--STDTC, --STDY) or ADaM (ASTDT, ASTDY). */
function period(r: SubjectRecord, prefix: string) {
  return {
    start: textOf(r, `${prefix}STDTC`, 'ASTDT', 'ASTDTM'),
    end: textOf(r, `${prefix}ENDTC`, 'AENDT', 'AENDTM'),
    startDay: numberOf(r, `${prefix}STDY`, 'ASTDY'),
    endDay: numberOf(r, `${prefix}ENDY`, 'AENDY'),
  };
}

function exposureEvent(dataset: string, r: SubjectRecord): SubjectEvent {
  return {
    ...baseEvent('exposure', dataset, textOf(r, 'EXTRT', 'PARAM') ?? 'Exposure'),
    ...visitOf(r),
    ...period(r, 'EX'),
    seq: numberOf(r, 'EXSEQ', 'ASEQ'),
    dose: numberOf(r, 'EXDOSE', 'AVAL'),
    doseUnit: textOf(r, 'EXDOSU', 'AVALU'),
    route: textOf(r, 'EXROUTE'),
    frequency: textOf(r, 'EXDOSFRQ'),
  };
}

function adverseEvent(dataset: string, r: SubjectRecord): SubjectEvent {
  return {
    ...baseEvent('adverse_event', dataset, textOf(r, 'AETERM', 'AEDECOD') ?? 'Adverse event'),
    ...visitOf(r),
    ...period(r, 'AE'),
    seq: numberOf(r, 'AESEQ', 'ASEQ'),
    decod: textOf(r, 'AEDECOD'),
    category: textOf(r, 'AEBODSYS', 'AESOC'),
    severity: textOf(r, 'AESEV', 'ASEV', 'AETOXGR', 'ATOXGR'),
    serious: flagOf(r, 'AESER'),
    related: textOf(r, 'AEREL', 'AREL'),
    outcome: textOf(r, 'AEOUT'),
    action: textOf(r, 'AEACN'),
    treatmentEmergent: flagOf(r, 'TRTEMFL'),
  };
}

function medicationEvent(dataset: string, r: SubjectRecord): SubjectEvent {
  return {
    ...baseEvent('medication', dataset, textOf(r, 'CMTRT', 'CMDECOD') ?? 'Medication'),
    ...visitOf(r),
    ...period(r, 'CM'),
    seq: numberOf(r, 'CMSEQ', 'ASEQ'),
    decod: textOf(r, 'CMDECOD'),
    category: textOf(r, 'CMCLAS'),
    dose: numberOf(r, 'CMDOSE'),
    doseUnit: textOf(r, 'CMDOSU'),
    route: textOf(r, 'CMROUTE'),
    frequency: textOf(r, 'CMDOSFRQ'),
    indication: textOf(r, 'CMINDC'),
  };
}

function historyEvent(dataset: string, r: SubjectRecord): SubjectEvent {
  const when = period(r, 'MH');
  return {
    ...baseEvent('medical_history', dataset, textOf(r, 'MHTERM', 'MHDECOD') ?? 'Medical history'),
    ...visitOf(r),
    ...when,
    startDay: when.startDay ?? numberOf(r, 'MHDY'),
    seq: numberOf(r, 'MHSEQ', 'ASEQ'),
    decod: textOf(r, 'MHDECOD'),
    category: textOf(r, 'MHBODSYS', 'MHCAT'),
    severity: textOf(r, 'MHSEV'),
  };
}

/** A DS record, or ADSL's end of study (EOSSTT, DCDECOD and its reason) when the study is ADaM. */
function dispositionEvents(dataset: string, r: SubjectRecord): SubjectEvent[] {
  if (dataset === 'ADSL') {
    const decod = textOf(r, 'DCDECOD', 'EOSSTT');
    if (!decod) return [];
    return [
      {
        ...baseEvent('disposition', dataset, textOf(r, 'DCSREAS', 'DCREASCD') ?? decod),
        decod,
        category: 'DISPOSITION EVENT',
        start: textOf(r, 'EOSDT', 'RFENDT', 'RFENDTC'),
      },
    ];
  }
  return [
    {
      ...baseEvent('disposition', dataset, textOf(r, 'DSTERM', 'DSDECOD') ?? 'Disposition'),
      ...visitOf(r),
      seq: numberOf(r, 'DSSEQ', 'ASEQ'),
      decod: textOf(r, 'DSDECOD'),
      category: textOf(r, 'DSCAT'),
      start: textOf(r, 'DSSTDTC', 'ASTDT'),
      startDay: numberOf(r, 'DSSTDY', 'ASTDY'),
    },
  ];
}

/** LB/VS (`prefix`) or ADLB…/ADVS rows as measurements, ordered by test then time. */
function measurements(sources: SectionRows[], prefix: 'LB' | 'VS'): SubjectMeasurement[] {
  const out: SubjectMeasurement[] = [];
  for (const source of sources) {
    const adam = source.name.startsWith('AD');
    for (const r of source.records) {
      const testCode = adam ? textOf(r, 'PARAMCD') : textOf(r, `${prefix}TESTCD`);
      if (!testCode) continue;
      const value = adam ? numberOf(r, 'AVAL') : numberOf(r, `${prefix}STRESN`);
      const low = adam ? numberOf(r, 'A1LO', 'ANRLO') : numberOf(r, `${prefix}STNRLO`);
      const high = adam ? numberOf(r, 'A1HI', 'ANRHI') : numberOf(r, `${prefix}STNRHI`);
      const recorded = adam ? textOf(r, 'ANRIND') : textOf(r, `${prefix}NRIND`);
      out.push({
        dataset: source.name,
        seq: adam ? numberOf(r, 'ASEQ') : numberOf(r, `${prefix}SEQ`),
        testCode,
        test: (adam ? textOf(r, 'PARAM') : textOf(r, `${prefix}TEST`)) ?? testCode,
        category: adam ? textOf(r, 'PARCAT1') : textOf(r, `${prefix}CAT`),
        visit: adam ? textOf(r, 'AVISIT', 'VISIT') : textOf(r, 'VISIT'),
        visitNum: adam ? numberOf(r, 'AVISITN', 'VISITNUM') : numberOf(r, 'VISITNUM'),
        date: adam ? textOf(r, 'ADT', 'ADTM') : textOf(r, `${prefix}DTC`),
        day: adam ? numberOf(r, 'ADY') : numberOf(r, `${prefix}DY`),
        value,
        text: adam ? textOf(r, 'AVALC') : textOf(r, `${prefix}STRESC`, `${prefix}ORRES`),
        unit: adam ? textOf(r, 'AVALU') : textOf(r, `${prefix}STRESU`, `${prefix}ORRESU`),
        low,
        high,
        flag: recorded?.toUpperCase() ?? derivedFlag(value, low, high),
        baseline: (adam ? flagOf(r, 'ABLFL') : flagOf(r, `${prefix}BLFL`)) === true,
      });
    }
  }
  return out.sort(
    (a, b) =>
      a.testCode.localeCompare(b.testCode) ||
      byDate(a.date, b.date) ||
      (a.visitNum ?? Number.MAX_SAFE_INTEGER) - (b.visitNum ?? Number.MAX_SAFE_INTEGER) ||
      (a.seq ?? 0) - (b.seq ?? 0),
  );
}

/** The normal-range flag from the limits, for a result whose data leave it blank. */
export function derivedFlag(value: number | null, low: number | null, high: number | null): string | null {
  if (value === null || (low === null && high === null)) return null;
  if (low !== null && value < low) return 'LOW';
  if (high !== null && value > high) return 'HIGH';
  return 'NORMAL';
}
