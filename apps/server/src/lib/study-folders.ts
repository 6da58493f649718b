import { mkdir, rm } from 'node:fs/promises';
import path from 'node:path';

/** The folders every study has under DATA_DIR (see ARCHITECTURE.md, "Clinical data on disk"). */
export const STUDY_SUBFOLDERS = ['source_data', 'pipeline_output', 'exports', 'temp', 'logs'] as const;

export function studyDir(dataDir: string, orgId: string, studyId: string): string {
  return path.join(dataDir, 'studies', orgId, studyId);
}

export async function createStudyFolders(dir: string): Promise<void> {
  for (const sub of STUDY_SUBFOLDERS) {
    await mkdir(path.join(dir, sub), { recursive: true, mode: 0o750 });
  }
}

export async function removeStudyFolders(dir: string): Promise<void> {
  await rm(dir, { recursive: true, force: true });
}

/** The Parquet file of a stored dataset: `source_data/{version label}/{file}` in its study's folder. */
export function datasetFile(
  dataDir: string,
  dataset: { orgId: string; studyId: string; file: string },
  versionLabel: string,
): string {
  return path.join(studyDir(dataDir, dataset.orgId, dataset.studyId), 'source_data', versionLabel, dataset.file);
}
