import { hasPermission, type Study } from '@cdp/contracts';
import { type Database, type RawRow, rowOf, studies, type Tx } from '@cdp/db';
import { and, asc, eq, ilike, inArray, or, type SQL } from 'drizzle-orm';
import { canOrgWide, type Grantee } from '../policies/can.ts';

export type StudyRow = typeof studies.$inferSelect;

/** Whose organization a query is limited to: a request's actor or a command's author. */
export interface TenantScope {
  orgId: string;
}

/** Studies, always filtered by the actor's organization. */
export async function findStudy(
  tx: Tx,
  actor: TenantScope,
  id: string,
  options: { forUpdate?: boolean } = {},
): Promise<StudyRow | null> {
  const query = tx
    .select()
    .from(studies)
    .where(and(eq(studies.orgId, actor.orgId), eq(studies.id, id)))
    .limit(1);
  const rows = options.forUpdate ? await query.for('update') : await query;
  return rows[0] ?? null;
}

export interface StudyFilter {
  status?: Study['status'];
  q?: string;
}

/** The studies the actor may see by a role limited to them (an organization-wide role sees them all). */
function assignedStudyIds(actor: Grantee): string[] {
  return actor.grants
    .filter((g) => g.studyId !== null && hasPermission([g], 'study:view:assigned', g.studyId))
    .map((g) => g.studyId as string);
}

/**
 * `listVisibleStudies` without a filter, in one call of `app_visible_studies` (migration 0023,
 * `Database.tenantCall`: one round trip, plans kept per connection): what `GET /api/studies` reads
 * on most requests. Same rows, same order.
 */
export async function readVisibleStudies(database: Database, actor: TenantScope & Grantee): Promise<StudyRow[]> {
  const orgWide = canOrgWide(actor, 'study:view:assigned');
  const ids = orgWide ? [] : [...new Set(assignedStudyIds(actor))];
  if (!orgWide && ids.length === 0) return [];
  const read = await database.tenantCall('app_visible_studies', actor.orgId, [orgWide ? null : ids]);
  return (read.study_rows as RawRow[]).map((r) => rowOf(studies, r));
}

/** The studies the actor holds a role for; an organization-wide role sees all of them. */
export async function listVisibleStudies(
  tx: Tx,
  actor: TenantScope & Grantee,
  filter: StudyFilter,
): Promise<StudyRow[]> {
  const conditions: SQL[] = [eq(studies.orgId, actor.orgId)];
  if (!canOrgWide(actor, 'study:view:assigned')) {
    const ids = assignedStudyIds(actor);
    if (ids.length === 0) return [];
    conditions.push(inArray(studies.id, ids));
  }
  if (filter.status) conditions.push(eq(studies.status, filter.status));
  if (filter.q) {
    const pattern = `%${filter.q.replace(/[\\%_]/g, (c) => `\\${c}`)}%`;
    const text = or(ilike(studies.code, pattern), ilike(studies.name, pattern), ilike(studies.protocol, pattern));
    if (text) conditions.push(text);
  }
  return tx
    .select()
    .from(studies)
    .where(and(...conditions))
    .orderBy(asc(studies.code));
}
