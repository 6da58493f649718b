import type { DatasetReader } from '@cdp/formats';
import { BatchBuilder, char, int, longest, type RowOf, type SdtmColumn, toColumnInfo } from './batch-builder.ts';
import { visitSchedule } from './study-design.ts';
import { planStudy, type StudyDesign, type SubjectPlan, siteIdWidth, subjectNumberWidth } from './study-plan.ts';

/**
 * One SDTM domain as a DatasetReader. `rows` is a generator over the study plan; it runs anew on
 * every `batches()` call (the plan is re-derived from the seed too), so a reader can be read any
 * number of times with identical results and never holds more than one batch of rows.
 */
export interface DomainSpec<C extends readonly SdtmColumn[]> {
  name: string;
  label: string;
  columns: C;
  rows: (plan: SubjectPlan[]) => Iterable<RowOf<C>>;
}

export function sdtmDataset<C extends readonly SdtmColumn[]>(
  design: StudyDesign,
  spec: DomainSpec<C>,
  batchSize?: number,
): DatasetReader {
  return {
    info: {
      name: spec.name,
      label: spec.label,
      columns: toColumnInfo(spec.columns),
      // Enough to regenerate the same bytes.
      metadata: {
        generator: 'cdp demo study',
        studyId: design.studyId,
        subjects: String(design.subjects),
        sites: String(design.sites),
        seed: String(design.seed),
        labVisits: String(design.visits),
      },
    },
    async *batches() {
      const builder = new BatchBuilder(spec.columns, batchSize);
      for (const row of spec.rows(planStudy(design))) {
        const batch = builder.add(row);
        if (batch) yield batch;
      }
      const rest = builder.flush();
      if (rest) yield rest;
    },
  };
}

/** STUDYID, DOMAIN, USUBJID: the identifiers every domain starts with, sized to this study. */
export function identifierColumns(design: StudyDesign) {
  return [
    char('STUDYID', 'Study Identifier', design.studyId.length),
    char('DOMAIN', 'Domain Abbreviation', 2),
    char('USUBJID', 'Unique Subject Identifier', design.studyId.length + 1 + subjidLength(design)),
  ] as const;
}

export function subjidLength(design: StudyDesign): number {
  return siteIdWidth(design.sites) + 1 + subjectNumberWidth(design.subjects);
}

/** VISITNUM and VISIT for visit-based records. */
export function visitColumns(design: StudyDesign) {
  return [
    int('VISITNUM', 'Visit Number'),
    char('VISIT', 'Visit Name', longest(visitSchedule(design.visits).map((visit) => visit.visit))),
  ] as const;
}

/** SCREENING, TREATMENT and FOLLOW-UP are all nine characters. */
export const EPOCH_COLUMN = char('EPOCH', 'Epoch', 9);
export const DATE_LENGTH = 10;
