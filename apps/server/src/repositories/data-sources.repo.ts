import { dataSourcePullLogs, dataSourcePulls, dataSources, studies, type Tx } from '@cdp/db';
import { and, asc, desc, eq, gt, inArray, isNull } from 'drizzle-orm';

export type DataSourceRow = typeof dataSources.$inferSelect;
export type DataSourcePullRow = typeof dataSourcePulls.$inferSelect;
export type DataSourcePullLogRow = typeof dataSourcePullLogs.$inferSelect;
export interface SourceWithStudy {
  row: DataSourceRow;
  studyCode: string;
  activePullId: string | null;
}

/** A study's source, not deleted. Always filtered by the tenant (row-level security checks it again). */
export async function findSource(
  tx: Tx,
  orgId: string,
  studyId: string,
  sourceId: string,
  options: { forUpdate?: boolean } = {},
): Promise<DataSourceRow | null> {
  const query = tx
    .select()
    .from(dataSources)
    .where(
      and(
        eq(dataSources.orgId, orgId),
        eq(dataSources.studyId, studyId),
        eq(dataSources.id, sourceId),
        isNull(dataSources.deletedAt),
      ),
    );
  const [row] = options.forUpdate ? await query.for('update') : await query;
  return row ?? null;
}

/** Sources of the given studies (all of them when `studyIds` is null), with their study's code and active pull. */
export async function listSources(tx: Tx, orgId: string, studyIds: string[] | null): Promise<SourceWithStudy[]> {
  if (studyIds !== null && studyIds.length === 0) return [];
  const rows = await tx
    .select({ row: dataSources, studyCode: studies.code })
    .from(dataSources)
    .innerJoin(studies, eq(studies.id, dataSources.studyId))
    .where(
      and(
        eq(dataSources.orgId, orgId),
        isNull(dataSources.deletedAt),
        studyIds === null ? undefined : inArray(dataSources.studyId, studyIds),
      ),
    )
    .orderBy(asc(studies.code), asc(dataSources.name));
  const active = await activePulls(
    tx,
    orgId,
    rows.map((r) => r.row.id),
  );
  return rows.map((r) => ({ ...r, activePullId: active.get(r.row.id) ?? null }));
}

async function activePulls(tx: Tx, orgId: string, sourceIds: string[]): Promise<Map<string, string>> {
  if (sourceIds.length === 0) return new Map();
  const rows = await tx
    .select({ id: dataSourcePulls.id, sourceId: dataSourcePulls.sourceId })
    .from(dataSourcePulls)
    .where(
      and(
        eq(dataSourcePulls.orgId, orgId),
        inArray(dataSourcePulls.sourceId, sourceIds),
        inArray(dataSourcePulls.status, ['QUEUED', 'RUNNING']),
      ),
    );
  return new Map(rows.map((r) => [r.sourceId, r.id]));
}

export async function sourceWithStudy(tx: Tx, row: DataSourceRow): Promise<SourceWithStudy> {
  const [study] = await tx.select({ code: studies.code }).from(studies).where(eq(studies.id, row.studyId));
  const active = await activePulls(tx, row.orgId, [row.id]);
  return { row, studyCode: study?.code ?? '', activePullId: active.get(row.id) ?? null };
}

export async function findPull(
  tx: Tx,
  orgId: string,
  sourceId: string,
  pullId: string,
  options: { forUpdate?: boolean } = {},
): Promise<DataSourcePullRow | null> {
  const query = tx
    .select()
    .from(dataSourcePulls)
    .where(
      and(eq(dataSourcePulls.orgId, orgId), eq(dataSourcePulls.sourceId, sourceId), eq(dataSourcePulls.id, pullId)),
    );
  const [row] = options.forUpdate ? await query.for('update') : await query;
  return row ?? null;
}

/** A source's pulls, newest first. */
export function listPulls(tx: Tx, orgId: string, sourceId: string, limit = 100): Promise<DataSourcePullRow[]> {
  return tx
    .select()
    .from(dataSourcePulls)
    .where(and(eq(dataSourcePulls.orgId, orgId), eq(dataSourcePulls.sourceId, sourceId)))
    .orderBy(desc(dataSourcePulls.queuedAt))
    .limit(limit);
}

export function pullLog(tx: Tx, orgId: string, pullId: string, after = 0): Promise<DataSourcePullLogRow[]> {
  return tx
    .select()
    .from(dataSourcePullLogs)
    .where(
      and(
        eq(dataSourcePullLogs.orgId, orgId),
        eq(dataSourcePullLogs.pullId, pullId),
        gt(dataSourcePullLogs.seq, after),
      ),
    )
    .orderBy(asc(dataSourcePullLogs.seq));
}
