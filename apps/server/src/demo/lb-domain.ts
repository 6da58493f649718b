import { char, int, longest, num } from './batch-builder.ts';
import { LAB_TESTS, type LabTest, roundTo, type Sex, siRange } from './lab-tests.ts';
import { isLiverTest, LiverCourse } from './liver-patterns.ts';
import { Random } from './random.ts';
import { byCodePoint } from './sas-sort.ts';
import { DATE_LENGTH, type DomainSpec, EPOCH_COLUMN, identifierColumns, visitColumns } from './sdtm-dataset.ts';
import { isoDate, studyDay } from './study-days.ts';
import type { ArmCode } from './study-design.ts';
import type { StudyDesign, SubjectPlan } from './study-plan.ts';

/** Results are at most six characters ("1234.5"); eight leaves room without padding much. */
const RESULT_LENGTH = 8;
const NOT_DONE_REASONS = ['INSUFFICIENT SAMPLE', 'SAMPLE LOST IN TRANSIT'] as const;
const HEMOLYZED = 'SAMPLE HEMOLYZED';
/** SDTM keys LB by test, then visit: the order LBSEQ follows. */
const TESTS_IN_KEY_ORDER = [...LAB_TESTS].sort((a, b) => byCodePoint(a.code, b.code));
/** A mild on-drug rise in transaminases: shifts the high-dose cloud on eDISH without planting cases. */
const DRUG_EFFECT: Record<ArmCode, Partial<Record<string, number>>> = {
  PBO: {},
  LOW: { ALT: 1.06, AST: 1.04 },
  HIGH: { ALT: 1.15, AST: 1.1 },
};

function lbColumns(design: StudyDesign) {
  return [
    ...identifierColumns(design),
    int('LBSEQ', 'Sequence Number'),
    char('LBTESTCD', 'Lab Test or Examination Short Name', longest(LAB_TESTS.map((test) => test.code))),
    char('LBTEST', 'Lab Test or Examination Name', longest(LAB_TESTS.map((test) => test.name))),
    char('LBCAT', 'Category for Lab Test', longest(LAB_TESTS.map((test) => test.category))),
    char('LBORRES', 'Result or Finding in Original Units', RESULT_LENGTH),
    char('LBORRESU', 'Original Units', longest(LAB_TESTS.flatMap((test) => [test.conventionalUnit, test.siUnit]))),
    char('LBORNRLO', 'Reference Range Lower Limit in Orig Unit', RESULT_LENGTH),
    char('LBORNRHI', 'Reference Range Upper Limit in Orig Unit', RESULT_LENGTH),
    char('LBSTRESC', 'Character Result/Finding in Std Format', RESULT_LENGTH),
    num('LBSTRESN', 'Numeric Result/Finding in Standard Units'),
    char('LBSTRESU', 'Standard Units', longest(LAB_TESTS.map((test) => test.siUnit))),
    num('LBSTNRLO', 'Reference Range Lower Limit-Std Units'),
    num('LBSTNRHI', 'Reference Range Upper Limit-Std Units'),
    char('LBNRIND', 'Reference Range Indicator', 6),
    char('LBSTAT', 'Completion Status', 8),
    char('LBREASND', 'Reason Test Not Done', longest([HEMOLYZED, ...NOT_DONE_REASONS])),
    char('LBSPEC', 'Specimen Type', longest(LAB_TESTS.map((test) => test.specimen))),
    char('LBBLFL', 'Baseline Flag', 1),
    ...visitColumns(design),
    EPOCH_COLUMN,
    char('LBDTC', 'Date/Time of Specimen Collection', DATE_LENGTH),
    int('LBDY', 'Study Day of Specimen Collection'),
  ] as const;
}

/**
 * Laboratory results: the full panel at every attended visit (a test that could not be done is
 * still a record, with LBSTAT `NOT DONE`), so LB has exactly 13 records per SV record. US sites
 * report conventional units and everyone else SI; standard results are always SI. Each subject
 * is simulated on its own stream and emitted before the next starts, so memory stays bounded
 * whatever the row count.
 */
export function lbDomain(design: StudyDesign): DomainSpec<ReturnType<typeof lbColumns>> {
  return {
    name: 'LB',
    label: 'Laboratory Test Results',
    columns: lbColumns(design),
    *rows(plan) {
      for (const subject of plan) {
        const results = simulate(Random.stream(design.seed, 'LB', subject.index), subject);
        const conventional = subject.site.country.conventionalUnits === true;
        // Formatted once per visit rather than per test: LB is the volume domain.
        const dates = subject.visits.map((visit) => isoDate(visit.day));
        const days = subject.visits.map((visit) => studyDay(visit.day, subject.randomizedDay));
        let seq = 0;
        for (const test of TESTS_IN_KEY_ORDER) {
          const values = results.get(test) ?? [];
          const baseline = baselineIndex(subject, values);
          const ranges = referenceRanges(test, subject.sex, conventional);
          for (const [i, visit] of subject.visits.entries()) {
            const value = values[i] ?? { si: Number.NaN, reason: NOT_DONE_REASONS[0] };
            const reported = Number.isNaN(value.si) ? null : report(test, ranges, value.si, conventional);
            yield {
              STUDYID: design.studyId,
              DOMAIN: 'LB',
              USUBJID: subject.usubjid,
              LBSEQ: ++seq,
              LBTESTCD: test.code,
              LBTEST: test.name,
              LBCAT: test.category,
              LBORRES: reported?.original ?? null,
              LBORRESU: reported ? ranges.originalUnit : null,
              LBORNRLO: reported ? ranges.originalLow : null,
              LBORNRHI: reported ? ranges.originalHigh : null,
              LBSTRESC: reported?.standardText ?? null,
              LBSTRESN: reported?.standard ?? null,
              LBSTRESU: reported ? test.siUnit : null,
              LBSTNRLO: reported ? ranges.standardLow : null,
              LBSTNRHI: reported ? ranges.standardHigh : null,
              LBNRIND: reported?.indicator ?? null,
              LBSTAT: reported ? null : 'NOT DONE',
              LBREASND: reported ? null : value.reason,
              LBSPEC: test.specimen,
              LBBLFL: i === baseline ? 'Y' : null,
              VISITNUM: visit.visitNum,
              VISIT: visit.visit,
              EPOCH: visit.epoch,
              LBDTC: dates[i] ?? null,
              LBDY: days[i] ?? null,
            };
          }
        }
      }
    },
  };
}

interface Result {
  /** The true value in SI units; NaN when the test was not done. */
  si: number;
  reason: string | null;
}

/** One subject's results per test, one per attended visit. */
function simulate(rng: Random, subject: SubjectPlan): Map<LabTest, Result[]> {
  const setpoints = LAB_TESTS.map((test) => rng.logNormal(test.median[subject.sex], test.between));
  const liver = subject.liver;
  const course = liver ? new LiverCourse(rng, liver.kind) : null;
  const onset = liver ? subject.visits.findIndex((visit) => visit.visitNum === liver.onsetVisitNum) : -1;
  const drug = subject.arm && subject.treated ? DRUG_EFFECT[subject.arm.code] : {};
  const results = new Map<LabTest, Result[]>(LAB_TESTS.map((test) => [test, []]));

  for (const [i, visit] of subject.visits.entries()) {
    const onDrug = visit.epoch === 'TREATMENT' && (visit.visitDy ?? 0) > 1;
    for (const [t, test] of LAB_TESTS.entries()) {
      const uln = siRange(test, subject.sex)[1];
      let si = (setpoints[t] ?? 0) * Math.exp(rng.normal(0, test.within)) * (onDrug ? (drug[test.code] ?? 1) : 1);
      if (subject.gilbert && test.code === 'BILI') si = Math.max(si, uln * rng.uniform(1.1, 1.9));
      const multiple = course ? course.multiple(test.code, i - onset) : 0;
      // Bounded noise, so a planted case keeps its margin over the eDISH thresholds.
      if (multiple > 0) si = Math.max(si, uln * multiple * rng.uniform(0.97, 1.03));
      // Never lose a planted liver signal to a missing sample.
      const protectedValue = multiple > 0 && isLiverTest(test.code);
      const missing = !protectedValue && rng.chance(test.code === 'K' ? 0.01 : 0.003);
      if (!missing) {
        results.get(test)?.push({ si, reason: null });
        continue;
      }
      results.get(test)?.push({ si: Number.NaN, reason: test.code === 'K' ? HEMOLYZED : rng.pick(NOT_DONE_REASONS) });
    }
  }
  return results;
}

/** The last result on or before the first dose (day 1 labs are drawn pre-dose). */
function baselineIndex(subject: SubjectPlan, values: Result[]): number {
  const firstDose = subject.firstDoseDay;
  if (firstDose === null) return -1;
  let baseline = -1;
  for (const [i, visit] of subject.visits.entries()) {
    if (visit.day <= firstDose && !Number.isNaN(values[i]?.si ?? Number.NaN)) baseline = i;
  }
  return baseline;
}

interface Ranges {
  originalUnit: string;
  originalLow: string;
  originalHigh: string;
  standardLow: number;
  standardHigh: number;
}

const rangeCache = new Map<string, Ranges>();

/** The reference range as this site's lab prints it, and in SI. */
function referenceRanges(test: LabTest, sex: Sex, conventional: boolean): Ranges {
  const key = `${test.code} ${sex} ${conventional}`;
  const cached = rangeCache.get(key);
  if (cached) return cached;
  const [standardLow, standardHigh] = siRange(test, sex);
  const decimals = conventional ? test.conventionalDecimals : test.siDecimals;
  const [low, high] = conventional ? test.range[sex] : [standardLow, standardHigh];
  const ranges = {
    originalUnit: conventional ? test.conventionalUnit : test.siUnit,
    originalLow: low.toFixed(decimals),
    originalHigh: high.toFixed(decimals),
    standardLow,
    standardHigh,
  };
  rangeCache.set(key, ranges);
  return ranges;
}

interface Reported {
  original: string;
  standard: number;
  standardText: string;
  indicator: 'LOW' | 'NORMAL' | 'HIGH';
}

/** What the lab reports, and its SI standardisation (converted from the rounded reported value). */
function report(test: LabTest, ranges: Ranges, si: number, conventional: boolean): Reported {
  const decimals = conventional ? test.conventionalDecimals : test.siDecimals;
  const original = roundTo(conventional ? si / test.factor : si, decimals);
  const standard = conventional ? roundTo(original * test.factor, test.siDecimals) : original;
  return {
    original: original.toFixed(decimals),
    standard,
    standardText: standard.toFixed(test.siDecimals),
    indicator: standard < ranges.standardLow ? 'LOW' : standard > ranges.standardHigh ? 'HIGH' : 'NORMAL',
  };
}
