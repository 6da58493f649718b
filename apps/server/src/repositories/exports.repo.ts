import { dashboardExports, type Tx, users } from '@cdp/db';
import { and, desc, eq, isNotNull, isNull, lte } from 'drizzle-orm';

export type ExportRow = typeof dashboardExports.$inferSelect;
export interface ExportWithRequester {
  row: ExportRow;
  requester: { id: string; name: string } | null;
}

const withRequester = {
  row: dashboardExports,
  requesterId: users.id,
  requesterName: users.name,
};

function shaped(r: { row: ExportRow; requesterId: string | null; requesterName: string | null }): ExportWithRequester {
  return {
    row: r.row,
    requester: r.requesterId && r.requesterName ? { id: r.requesterId, name: r.requesterName } : null,
  };
}

export async function findExport(
  tx: Tx,
  orgId: string,
  where: { studyId: string; dashboardId: string; exportId: string },
): Promise<ExportWithRequester | null> {
  const rows = await tx
    .select(withRequester)
    .from(dashboardExports)
    .leftJoin(users, eq(users.id, dashboardExports.requestedBy))
    .where(
      and(
        eq(dashboardExports.orgId, orgId),
        eq(dashboardExports.studyId, where.studyId),
        eq(dashboardExports.dashboardId, where.dashboardId),
        eq(dashboardExports.id, where.exportId),
      ),
    )
    .limit(1);
  return rows[0] ? shaped(rows[0]) : null;
}

/** The job's view of an export: by id within the tenant. */
export async function findExportById(tx: Tx, orgId: string, exportId: string): Promise<ExportRow | null> {
  const rows = await tx
    .select()
    .from(dashboardExports)
    .where(and(eq(dashboardExports.orgId, orgId), eq(dashboardExports.id, exportId)))
    .limit(1);
  return rows[0] ?? null;
}

/** A dashboard's recent exports, newest first. */
export async function listExports(
  tx: Tx,
  orgId: string,
  where: { studyId: string; dashboardId: string },
  limit = 20,
): Promise<ExportWithRequester[]> {
  const rows = await tx
    .select(withRequester)
    .from(dashboardExports)
    .leftJoin(users, eq(users.id, dashboardExports.requestedBy))
    .where(
      and(
        eq(dashboardExports.orgId, orgId),
        eq(dashboardExports.studyId, where.studyId),
        eq(dashboardExports.dashboardId, where.dashboardId),
      ),
    )
    .orderBy(desc(dashboardExports.createdAt))
    .limit(limit);
  return rows.map(shaped);
}

/** Every tenant's exports whose file has outlived its retention (the purge job runs as the system). */
export async function expiredExports(tx: Tx, now: Date): Promise<ExportRow[]> {
  return tx
    .select()
    .from(dashboardExports)
    .where(
      and(
        isNotNull(dashboardExports.filePath),
        isNull(dashboardExports.purgedAt),
        lte(dashboardExports.expiresAt, now),
      ),
    )
    .limit(1000);
}

/** Whether a study's export with this file hash was rendered with PHI in clear (a scheduled report's file is its export's). */
export async function clearPhiFileExists(tx: Tx, orgId: string, studyId: string, sha256: string): Promise<boolean> {
  const rows = await tx
    .select({ id: dashboardExports.id })
    .from(dashboardExports)
    .where(
      and(
        eq(dashboardExports.orgId, orgId),
        eq(dashboardExports.studyId, studyId),
        eq(dashboardExports.sha256, sha256),
        eq(dashboardExports.clearPhi, true),
      ),
    )
    .limit(1);
  return rows.length > 0;
}
