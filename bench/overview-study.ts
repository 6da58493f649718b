import { existsSync } from 'node:fs';
import { mkdir, readFile, rename, rm, writeFile } from 'node:fs/promises';
import path from 'node:path';
import type { DatasetColumnType } from '@cdp/contracts';
import { writeParquet } from '@cdp/formats';
import { CLINICAL_STUDY_OVERVIEW } from '../apps/server/src/dashboards/templates/clinical-study-overview.ts';
import { instantiateTemplate } from '../apps/server/src/dashboards/templates/instantiate.ts';
import type { VersionData } from '../apps/server/src/data/version-data.ts';
import { generateDemoStudy } from '../apps/server/src/demo/generate-study.ts';
import type { FoundDashboard } from '../apps/server/src/policies/dashboard.ts';

/**
 * The in-process Overview benches' study (`overview-cpu.ts`, `overview-queries.ts`): the dashboard
 * bench's study (4,400 subjects, 1,026,129 LB rows) written once as Parquet under
 * `OVERVIEW_STUDY_DIR`, its data version, and the Clinical Study Overview instantiated on it.
 */
const STUDY = { subjects: 4400, sites: 60, seed: 1, labVisits: 26 } as const;
const DIR = process.env.OVERVIEW_STUDY_DIR ?? '/tmp/d10q-overview-study';

export interface Manifest {
  datasets: Array<{
    name: string;
    rows: number;
    file: string;
    columns: Array<{ name: string; type: DatasetColumnType; label: string | null }>;
  }>;
}

export async function study(): Promise<Manifest> {
  const manifest = path.join(DIR, 'manifest.json');
  if (existsSync(manifest)) return JSON.parse(await readFile(manifest, 'utf8')) as Manifest;
  const work = `${DIR}.partial`;
  await rm(work, { recursive: true, force: true });
  await mkdir(work, { recursive: true });
  const datasets: Manifest['datasets'] = [];
  for (const reader of generateDemoStudy(STUDY)) {
    const name = reader.info.name;
    const file = path.join(DIR, `${name.toLowerCase()}.parquet`);
    const result = await writeParquet(reader, path.join(work, path.basename(file)), { memoryLimit: '1GB' });
    datasets.push({
      name,
      rows: result.rows,
      file,
      columns: result.columns.map((c) => ({
        name: c.name,
        label: c.label ?? null,
        type: c.type as DatasetColumnType,
      })),
    });
  }
  await writeFile(path.join(work, 'manifest.json'), JSON.stringify({ datasets }));
  await rm(DIR, { recursive: true, force: true });
  await rename(work, DIR);
  return { datasets };
}

export function versionOf(manifest: Manifest, id: string): VersionData {
  return {
    id,
    orgId: 'org',
    studyId: 'study',
    kind: 'source',
    datasets: new Map(
      manifest.datasets.map((d) => [
        d.name.toUpperCase(),
        { name: d.name, label: null, rows: d.rows, file: d.file, columns: d.columns, row: {} as never },
      ]),
    ),
  };
}

/** The Clinical Study Overview on the study, as the dashboards' data route finds it. */
export function overviewDashboard(manifest: Manifest): FoundDashboard {
  const { document } = instantiateTemplate(
    CLINICAL_STUDY_OVERVIEW,
    manifest.datasets.map((d) => ({ name: d.name, columns: d.columns })),
  );
  return {
    study: { plannedEnrollment: null, plannedEnrollmentStart: null, plannedEnrollmentEnd: null },
    dashboard: { row: { id: 'dash', version: 1 } },
    document,
  } as unknown as FoundDashboard;
}
