import { hasPermission, type Study } from '@cdp/contracts';
import { studies, type Tx } from '@cdp/db';
import { and, asc, eq, ilike, inArray, or, type SQL } from 'drizzle-orm';
import type { Actor } from '../auth/actor.ts';
import { canOrgWide } from '../auth/actor.ts';

export type StudyRow = typeof studies.$inferSelect;

/** Studies, always filtered by the actor's organization. */
export async function findStudy(
  tx: Tx,
  actor: Actor,
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

/** The studies the actor holds a role for; an organization-wide role sees all of them. */
export async function listVisibleStudies(tx: Tx, actor: Actor, filter: StudyFilter): Promise<StudyRow[]> {
  const conditions: SQL[] = [eq(studies.orgId, actor.orgId)];
  if (!canOrgWide(actor, 'study:view:assigned')) {
    const ids = actor.grants
      .filter((g) => g.studyId !== null && hasPermission([g], 'study:view:assigned', g.studyId))
      .map((g) => g.studyId as string);
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

export function presentStudy(row: StudyRow): Study {
  return {
    id: row.id,
    code: row.code,
    name: row.name,
    protocol: row.protocol,
    phase: row.phase as Study['phase'],
    therapeuticArea: row.therapeuticArea,
    description: row.description,
    status: row.status,
    plannedEnrollment: row.plannedEnrollment,
    plannedEnrollmentStart: row.plannedEnrollmentStart,
    plannedEnrollmentEnd: row.plannedEnrollmentEnd,
    archivedReason: row.archivedReason,
    archivedAt: row.archivedAt?.toISOString() ?? null,
    createdAt: row.createdAt.toISOString(),
    updatedAt: row.updatedAt.toISOString(),
  };
}
