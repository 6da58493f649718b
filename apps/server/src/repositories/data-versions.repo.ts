import { datasets, dataVersions, studies, type Tx, users } from '@cdp/db';
import { and, asc, desc, eq, inArray, sql } from 'drizzle-orm';

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
