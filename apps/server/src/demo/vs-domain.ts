import { char, int, longest, num } from './batch-builder.ts';
import { roundTo } from './lab-tests.ts';
import { Random } from './random.ts';
import { DATE_LENGTH, type DomainSpec, EPOCH_COLUMN, identifierColumns, visitColumns } from './sdtm-dataset.ts';
import { isoDate, studyDay } from './study-days.ts';
import type { PlannedVisit, StudyDesign, SubjectPlan } from './study-plan.ts';

interface VitalSign {
  code: 'DIABP' | 'HEIGHT' | 'PULSE' | 'SYSBP' | 'TEMP' | 'WEIGHT';
  name: string;
  unit: string;
  decimals: number;
  /** US sites measure in pounds, inches and °F; the standard result is always metric. */
  us?: { unit: string; fromStandard: (value: number) => number; toStandard: (value: number) => number };
  position?: 'SITTING';
}

/** In key order (VSTESTCD), which is the order VSSEQ follows. */
const VITAL_SIGNS: readonly VitalSign[] = [
  { code: 'DIABP', name: 'Diastolic Blood Pressure', unit: 'mmHg', decimals: 0, position: 'SITTING' },
  {
    code: 'HEIGHT',
    name: 'Height',
    unit: 'cm',
    decimals: 1,
    us: { unit: 'in', fromStandard: (cm) => cm / 2.54, toStandard: (inches) => inches * 2.54 },
  },
  { code: 'PULSE', name: 'Pulse Rate', unit: 'beats/min', decimals: 0, position: 'SITTING' },
  { code: 'SYSBP', name: 'Systolic Blood Pressure', unit: 'mmHg', decimals: 0, position: 'SITTING' },
  {
    code: 'TEMP',
    name: 'Temperature',
    unit: 'C',
    decimals: 1,
    us: { unit: 'F', fromStandard: (c) => c * 1.8 + 32, toStandard: (f) => (f - 32) / 1.8 },
  },
  {
    code: 'WEIGHT',
    name: 'Weight',
    unit: 'kg',
    decimals: 1,
    us: { unit: 'LB', fromStandard: (kg) => kg * 2.20462, toStandard: (lb) => lb / 2.20462 },
  },
];

const UNITS = VITAL_SIGNS.flatMap((sign) => [sign.unit, sign.us?.unit ?? sign.unit]);
const RESULT_LENGTH = 8;

function vsColumns(design: StudyDesign) {
  return [
    ...identifierColumns(design),
    int('VSSEQ', 'Sequence Number'),
    char('VSTESTCD', 'Vital Signs Test Short Name', longest(VITAL_SIGNS.map((sign) => sign.code))),
    char('VSTEST', 'Vital Signs Test Name', longest(VITAL_SIGNS.map((sign) => sign.name))),
    char('VSPOS', 'Vital Signs Position of Subject', 7),
    char('VSORRES', 'Result or Finding in Original Units', RESULT_LENGTH),
    char('VSORRESU', 'Original Units', longest(UNITS)),
    char('VSSTRESC', 'Character Result/Finding in Std Format', RESULT_LENGTH),
    num('VSSTRESN', 'Numeric Result/Finding in Standard Units'),
    char('VSSTRESU', 'Standard Units', longest(VITAL_SIGNS.map((sign) => sign.unit))),
    char('VSBLFL', 'Baseline Flag', 1),
    ...visitColumns(design),
    EPOCH_COLUMN,
    char('VSDTC', 'Date/Time of Measurements', DATE_LENGTH),
    int('VSDY', 'Study Day of Vital Signs'),
  ] as const;
}

/**
 * Vital signs at every attended visit (height at screening only). Blood pressure rises with age;
 * height and weight follow sex and country; subjects on the high dose lose a little weight, in
 * line with their more frequent decreased appetite.
 */
export function vsDomain(design: StudyDesign): DomainSpec<ReturnType<typeof vsColumns>> {
  return {
    name: 'VS',
    label: 'Vital Signs',
    columns: vsColumns(design),
    *rows(plan) {
      for (const subject of plan) {
        const measured = simulate(Random.stream(design.seed, 'VS', subject.index), subject);
        const us = subject.site.country.conventionalUnits === true;
        const dates = new Map(subject.visits.map((visit) => [visit, isoDate(visit.day)]));
        let seq = 0;
        for (const sign of VITAL_SIGNS) {
          const series = measured[sign.code];
          const baseline = baselineIndex(subject, series);
          for (const [i, { visit, value }] of series.entries()) {
            const convert = us ? sign.us : undefined;
            const original = roundTo(convert ? convert.fromStandard(value) : value, sign.decimals);
            const standard = convert ? roundTo(convert.toStandard(original), sign.decimals) : original;
            yield {
              STUDYID: design.studyId,
              DOMAIN: 'VS',
              USUBJID: subject.usubjid,
              VSSEQ: ++seq,
              VSTESTCD: sign.code,
              VSTEST: sign.name,
              VSPOS: sign.position ?? null,
              VSORRES: original.toFixed(sign.decimals),
              VSORRESU: convert?.unit ?? sign.unit,
              VSSTRESC: standard.toFixed(sign.decimals),
              VSSTRESN: standard,
              VSSTRESU: sign.unit,
              VSBLFL: i === baseline ? 'Y' : null,
              VISITNUM: visit.visitNum,
              VISIT: visit.visit,
              EPOCH: visit.epoch,
              VSDTC: dates.get(visit) ?? null,
              VSDY: studyDay(visit.day, subject.randomizedDay),
            };
          }
        }
      }
    },
  };
}

interface Measurement {
  visit: PlannedVisit;
  /** In standard (metric) units, unrounded. */
  value: number;
}

function simulate(rng: Random, subject: SubjectPlan): Record<VitalSign['code'], Measurement[]> {
  const { country } = subject.site;
  const systolic = rng.normal(118 + 0.4 * (subject.age - 40), 12);
  const diastolic = rng.normal(74 + 0.1 * (subject.age - 40), 8);
  const pulse = rng.normal(72, 9);
  const temperature = rng.normal(36.6, 0.2);
  const height = rng.normal((subject.sex === 'M' ? 176 : 163) + country.heightShiftCm, subject.sex === 'M' ? 7 : 6.5);
  const weight = rng.logNormal(country.medianBmi, 0.16) * (height / 100) ** 2;
  // Fraction of body weight lost by the end of a 24-week course.
  const weightLoss = subject.treated ? ({ PBO: 0, LOW: 0.01, HIGH: 0.025 } as const)[subject.arm?.code ?? 'PBO'] : 0;

  const series: Record<VitalSign['code'], Measurement[]> = {
    DIABP: [],
    HEIGHT: [],
    PULSE: [],
    SYSBP: [],
    TEMP: [],
    WEIGHT: [],
  };
  for (const visit of subject.visits) {
    const sbp = systolic + rng.normal(0, 7);
    // Diastolic tracks systolic within a visit, and never exceeds it.
    const dbp = Math.min(sbp - 20, diastolic + 0.3 * (sbp - systolic) + rng.normal(0, 5));
    const { firstDoseDay: first, lastDoseDay: last } = subject;
    const onDrugDays = first === null || last === null ? 0 : Math.max(0, Math.min(visit.day, last) - first);
    series.SYSBP.push({ visit, value: sbp });
    series.DIABP.push({ visit, value: dbp });
    series.PULSE.push({ visit, value: pulse + rng.normal(0, 6) });
    series.TEMP.push({ visit, value: temperature + rng.normal(0, 0.2) });
    series.WEIGHT.push({
      visit,
      value: weight * (1 - weightLoss * Math.min(1, onDrugDays / 168)) + rng.normal(0, 0.6),
    });
    if (visit.epoch === 'SCREENING') series.HEIGHT.push({ visit, value: height });
  }
  return series;
}

/** The last measurement on or before the first dose. */
function baselineIndex(subject: SubjectPlan, series: Measurement[]): number {
  const firstDose = subject.firstDoseDay;
  if (firstDose === null) return -1;
  let baseline = -1;
  for (const [i, { visit }] of series.entries()) if (visit.day <= firstDose) baseline = i;
  return baseline;
}
