import { type DatasetStore, readSubjectRows } from '@cdp/analytics';
import type { VersionData, VersionDataset } from '../data/version-data.ts';

/** A row as the profile's assembly reads it: column names upper-cased. */
export type SubjectRecord = Record<string, unknown>;

/** One dataset's rows for the subject (only for the datasets a profile section reads). */
export interface SubjectDatasetRows {
  dataset: VersionDataset;
  subjectColumn: string;
  records: SubjectRecord[];
  total: number;
}

/** Rows a profile reads from one dataset; a subject with more (years of daily diaries) is cut and said so. */
export const PROFILE_ROW_LIMIT = 20_000;

/**
 * The subject's rows in every dataset of the version that has a USUBJID column: one filtered read
 * per dataset, all in parallel, each through `datasetSource` (masked PHI replaced before anything
 * sees it). Datasets outside `sections` (those no profile section reads: SUPPAE, QS…) are
 * counted, not read.
 */
export async function readSubjectData(
  store: DatasetStore,
  version: VersionData,
  subjectId: string,
  sections: ReadonlySet<string>,
): Promise<SubjectDatasetRows[]> {
  const reads = [...version.datasets.values()].flatMap((dataset) => {
    const subjectColumn = dataset.columns.find((c) => c.name.toUpperCase() === 'USUBJID')?.name;
    if (!subjectColumn) return [];
    const limit = sections.has(dataset.name.toUpperCase()) ? PROFILE_ROW_LIMIT : 0;
    return [
      readSubjectRows(store, dataset, subjectColumn, subjectId, limit).then(
        ({ rows, total }): SubjectDatasetRows => ({
          dataset,
          subjectColumn,
          total,
          records: rows.map((row) =>
            Object.fromEntries(dataset.columns.map((c, i) => [c.name.toUpperCase(), row[i] ?? null])),
          ),
        }),
      ),
    ];
  });
  return Promise.all(reads);
}
