import type { DatasetReader } from '@cdp/formats';
import { aeDomain } from './ae-domain.ts';
import { dmDomain } from './dm-domain.ts';
import { dsDomain } from './ds-domain.ts';
import { exDomain } from './ex-domain.ts';
import { lbDomain } from './lb-domain.ts';
import { sdtmDataset } from './sdtm-dataset.ts';
import { DEFAULT_VISITS, MAX_VISITS, MIN_VISITS } from './study-design.ts';
import type { StudyDesign } from './study-plan.ts';
import { svDomain } from './sv-domain.ts';
import { vsDomain } from './vs-domain.ts';

export interface DemoStudyOptions {
  /** Screened subjects (DM records), screen failures included. */
  subjects: number;
  sites: number;
  /** Same options and seed give byte-identical data; default 1. */
  seed?: number;
  /** Default `CDP-301`, the seeded demo study. */
  studyId?: string;
  /**
   * Scheduled visits per subject, each with the full 13-test lab panel: screening, day 1,
   * `labVisits - 3` treatment visits, follow-up. Default 9 (weeks 2–24); raise it for volume:
   * 3,000 subjects × 26 visits gives about a million LB rows.
   */
  labVisits?: number;
  /** Rows per batch; default 8192, as the readers. */
  batchSize?: number;
}

export const DEFAULT_STUDY_ID = 'CDP-301';
export const DEFAULT_SEED = 1;

/**
 * A synthetic, randomised, placebo-controlled SDTM study (DM, DS, SV, EX, AE, LB, VS) that looks
 * like a real submission: ISO 8601 --DTC text with numeric --DY, CDISC terminology, XPT-safe
 * names, labels and lengths, screen failures, discontinuations, and planted Hy's-law cases for
 * eDISH.
 *
 * Nothing is generated until a dataset's `batches()` is iterated, and every call regenerates
 * from the seed: readers can be read repeatedly, in any order, with identical results, and LB
 * stays in bounded memory at any size (only the per-subject plan, a few objects per subject,
 * is held while a dataset is read).
 */
export function generateDemoStudy(options: DemoStudyOptions): DatasetReader[] {
  const design = toDesign(options);
  const { batchSize } = options;
  return [
    sdtmDataset(design, dmDomain(design), batchSize),
    sdtmDataset(design, dsDomain(design), batchSize),
    sdtmDataset(design, svDomain(design), batchSize),
    sdtmDataset(design, exDomain(design), batchSize),
    sdtmDataset(design, aeDomain(design), batchSize),
    sdtmDataset(design, lbDomain(design), batchSize),
    sdtmDataset(design, vsDomain(design), batchSize),
  ];
}

function toDesign(options: DemoStudyOptions): StudyDesign {
  const { subjects, sites, seed = DEFAULT_SEED, studyId = DEFAULT_STUDY_ID, labVisits = DEFAULT_VISITS } = options;
  requireInteger('subjects', subjects, 1, 1_000_000);
  requireInteger('sites', sites, 1, 9_999);
  requireInteger('seed', seed, 0, 0xffff_ffff);
  requireInteger('labVisits', labVisits, MIN_VISITS, MAX_VISITS);
  if (options.batchSize !== undefined) requireInteger('batchSize', options.batchSize, 1, 1_000_000);
  if (!/^[A-Z0-9][A-Z0-9_-]{0,19}$/.test(studyId)) {
    throw new RangeError(
      `studyId "${studyId}": use 1–20 uppercase letters, digits, "-" or "_" (it starts every USUBJID)`,
    );
  }
  return { studyId, subjects, sites, seed, visits: labVisits };
}

function requireInteger(name: string, value: number, min: number, max: number): void {
  if (!Number.isInteger(value) || value < min || value > max) {
    throw new RangeError(`${name} must be a whole number from ${min} to ${max}, got ${value}`);
  }
}
