import { type Database, datasets, dataVersions, type RawRow, rowOf, studies, type Tx, users } from '@cdp/db';
import { and, asc, desc, eq, inArray, sql } from 'drizzle-orm';
import { studyOf } from './dashboard-data.repo.ts';
import type { StudyRow } from './studies.repo.ts';

export type DataVersionRow = typeof dataVersions.$inferSelect;
export type DatasetRow = typeof datasets.$inferSelect;

export interface VersionWithDatasets {
  version: DataVersionRow;
  datasets: DatasetRow[];
  createdBy: { id: string; name: string; email: string } | null;
}

/** Versions of one study, newest first, with their datasets and who made them. Always by org. */
export async function listVersions(
  tx: Tx,
  orgId: string,
  studyId: string,
  versionId?: string,
): Promise<VersionWithDatasets[]> {
  const rows = await tx
    .select({ version: dataVersions, userName: users.name, userEmail: users.email })
    .from(dataVersions)
    .leftJoin(users, eq(users.id, dataVersions.createdBy))
    .where(
      and(
        eq(dataVersions.orgId, orgId),
        eq(dataVersions.studyId, studyId),
        versionId ? eq(dataVersions.id, versionId) : undefined,
      ),
    )
    .orderBy(desc(dataVersions.createdAt), desc(dataVersions.label));
  if (rows.length === 0) return [];
  const ids = rows.map((r) => r.version.id);
  const all = await tx
    .select()
    .from(datasets)
    .where(and(eq(datasets.orgId, orgId), inArray(datasets.versionId, ids)))
    .orderBy(asc(sql`lower(${datasets.name})`));
  return rows.map(({ version, userName, userEmail }) => ({
    version,
    datasets: all.filter((d) => d.versionId === version.id),
    createdBy:
      version.createdBy && userEmail ? { id: version.createdBy, name: userName ?? userEmail, email: userEmail } : null,
  }));
}

export async function findVersion(
  tx: Tx,
  orgId: string,
  studyId: string,
  versionId: string,
): Promise<VersionWithDatasets | null> {
  return (await listVersions(tx, orgId, studyId, versionId))[0] ?? null;
}

export async function activeVersionOf(tx: Tx, orgId: string, studyId: string): Promise<string | null> {
  const rows = await tx
    .select({ active: studies.activeDataVersionId })
    .from(studies)
    .where(and(eq(studies.orgId, orgId), eq(studies.id, studyId)));
  return rows[0]?.active ?? null;
}

/** A version as the list names it: its id and who made it (the rest of a version never changes). */
export interface VersionHead {
  id: string;
  createdBy: VersionWithDatasets['createdBy'];
}

/**
 * The study and its versions' heads, newest first, in ONE call of `app_study_versions` (migration
 * 0023): the study as `findStudy` reads it, each version's id and who made it as `listVersions`
 * orders and names them. Everything else of a version is immutable; `readVersionDetails` reads it.
 */
export async function readStudyVersions(
  database: Database,
  orgId: string,
  studyId: string,
): Promise<{ study: StudyRow | null; versions: VersionHead[] }> {
  const read = await database.tenantCall('app_study_versions', orgId, [studyId]);
  return {
    study: studyOf(read),
    versions: (read.version_rows as RawRow[]).map((r) => ({
      id: String(r.id),
      createdBy:
        r.created_by && r.user_email
          ? { id: String(r.created_by), name: String(r.user_name ?? r.user_email), email: String(r.user_email) }
          : null,
    })),
  };
}

/** These versions of the study whole, with their datasets (by lower-case name), in ONE call of `app_version_details`. */
export async function readVersionDetails(
  database: Database,
  orgId: string,
  studyId: string,
  heads: readonly VersionHead[],
): Promise<VersionWithDatasets[]> {
  const read = await database.tenantCall('app_version_details', orgId, [studyId, heads.map((h) => h.id)]);
  const versions = new Map((read.version_rows as RawRow[]).map((r) => [String(r.id), rowOf(dataVersions, r)] as const));
  const byVersion = new Map<string, DatasetRow[]>();
  for (const raw of read.dataset_rows as RawRow[]) {
    const row = rowOf(datasets, raw);
    byVersion.set(row.versionId, [...(byVersion.get(row.versionId) ?? []), row]);
  }
  return heads.flatMap((head) => {
    const version = versions.get(head.id);
    return version ? [{ version, datasets: byVersion.get(head.id) ?? [], createdBy: head.createdBy }] : [];
  });
}
