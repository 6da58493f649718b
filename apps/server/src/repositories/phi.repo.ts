import type { PhiClass } from '@cdp/contracts';
import { phiAccessLog, phiColumns, type Tx, users } from '@cdp/db';
import { and, asc, desc, eq, gte, lte, type SQL, sql } from 'drizzle-orm';

export type PhiColumnRow = typeof phiColumns.$inferSelect;

/** A study's classified columns, by dataset then column. */
export async function listPhiColumns(
  tx: Tx,
  orgId: string,
  studyId: string,
): Promise<Array<PhiColumnRow & { confirmedByName: string | null }>> {
  return tx
    .select({
      id: phiColumns.id,
      orgId: phiColumns.orgId,
      studyId: phiColumns.studyId,
      dataset: phiColumns.dataset,
      column: phiColumns.column,
      classification: phiColumns.classification,
      confirmedBy: phiColumns.confirmedBy,
      confirmedAt: phiColumns.confirmedAt,
      confirmedByName: users.name,
    })
    .from(phiColumns)
    .leftJoin(users, eq(users.id, phiColumns.confirmedBy))
    .where(and(eq(phiColumns.orgId, orgId), eq(phiColumns.studyId, studyId)))
    .orderBy(asc(phiColumns.dataset), asc(phiColumns.column));
}

/** `DATASET\nCOLUMN` (upper-cased) → class, for the readers. */
export async function phiClassesOf(tx: Tx, orgId: string, studyId: string): Promise<Map<string, PhiClass>> {
  const rows = await tx
    .select({ dataset: phiColumns.dataset, column: phiColumns.column, classification: phiColumns.classification })
    .from(phiColumns)
    .where(and(eq(phiColumns.orgId, orgId), eq(phiColumns.studyId, studyId)));
  return new Map(rows.map((r) => [`${r.dataset}\n${r.column}`, r.classification]));
}

export interface PhiAccessFilter {
  userId?: string;
  studyId?: string;
  dataset?: string;
  from?: string;
  to?: string;
}

function accessConditions(orgId: string, filter: PhiAccessFilter): SQL | undefined {
  const conditions: SQL[] = [eq(phiAccessLog.orgId, orgId)];
  if (filter.userId) conditions.push(eq(phiAccessLog.userId, filter.userId));
  if (filter.studyId) conditions.push(eq(phiAccessLog.studyId, filter.studyId));
  if (filter.dataset) conditions.push(eq(phiAccessLog.dataset, filter.dataset.toUpperCase()));
  if (filter.from) conditions.push(gte(phiAccessLog.createdAt, new Date(filter.from)));
  if (filter.to) conditions.push(lte(phiAccessLog.createdAt, new Date(filter.to)));
  return and(...conditions);
}

export async function searchPhiAccess(
  tx: Tx,
  orgId: string,
  filter: PhiAccessFilter,
  page: { limit: number; offset: number },
) {
  const where = accessConditions(orgId, filter);
  const [count] = await tx.select({ n: sql<number>`count(*)::int` }).from(phiAccessLog).where(where);
  const rows = await tx
    .select({ entry: phiAccessLog, userName: users.name, userEmail: users.email })
    .from(phiAccessLog)
    .leftJoin(users, eq(users.id, phiAccessLog.userId))
    .where(where)
    .orderBy(desc(phiAccessLog.createdAt), desc(phiAccessLog.id))
    .limit(page.limit)
    .offset(page.offset);
  return { total: count?.n ?? 0, rows };
}

/** PHI access per user (or API key) per calendar month, UTC, newest month first. */
export async function phiAccessByUserMonth(tx: Tx, orgId: string, filter: PhiAccessFilter) {
  const month = sql<string>`to_char(date_trunc('month', ${phiAccessLog.createdAt} AT TIME ZONE 'UTC'), 'YYYY-MM')`;
  return tx
    .select({
      month,
      userId: phiAccessLog.userId,
      apiKeyId: phiAccessLog.apiKeyId,
      userName: users.name,
      userEmail: users.email,
      responses: sql<number>`count(*)::int`,
      rows: sql<number>`coalesce(sum(${phiAccessLog.rows}), 0)::int`,
      studies: sql<number>`count(DISTINCT ${phiAccessLog.studyId})::int`,
    })
    .from(phiAccessLog)
    .leftJoin(users, eq(users.id, phiAccessLog.userId))
    .where(accessConditions(orgId, filter))
    .groupBy(month, phiAccessLog.userId, phiAccessLog.apiKeyId, users.name, users.email)
    .orderBy(desc(month), asc(users.name));
}
