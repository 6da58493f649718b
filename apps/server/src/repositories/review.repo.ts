import { reviewMarks, reviewMessages, reviewThreads, type Tx, users } from '@cdp/db';
import { and, asc, desc, eq, inArray, sql } from 'drizzle-orm';
import { alias } from 'drizzle-orm/pg-core';

export type ReviewMarkRow = typeof reviewMarks.$inferSelect & { userName: string | null };
export type ReviewThreadRow = typeof reviewThreads.$inferSelect & {
  assignedToName: string | null;
  createdByName: string | null;
};
export type ReviewMessageRow = typeof reviewMessages.$inferSelect & { userName: string | null };

const markColumns = {
  id: reviewMarks.id,
  orgId: reviewMarks.orgId,
  studyId: reviewMarks.studyId,
  dataset: reviewMarks.dataset,
  recordKey: reviewMarks.recordKey,
  keyValues: reviewMarks.keyValues,
  usubjid: reviewMarks.usubjid,
  action: reviewMarks.action,
  contentSha256: reviewMarks.contentSha256,
  dataVersionId: reviewMarks.dataVersionId,
  snapshot: reviewMarks.snapshot,
  comment: reviewMarks.comment,
  userId: reviewMarks.userId,
  createdAt: reviewMarks.createdAt,
  userName: users.name,
};

/**
 * The mark in force per record (the latest row of each record's history), of one dataset or of
 * every dataset, optionally for one subject. Withdrawn marks are left out unless asked for.
 */
export async function marksInForce(
  tx: Tx,
  orgId: string,
  studyId: string,
  filter: { dataset?: string; usubjid?: string; usubjids?: string[]; withUnmarked?: boolean } = {},
): Promise<ReviewMarkRow[]> {
  const rows = await tx
    .selectDistinctOn([reviewMarks.dataset, reviewMarks.recordKey], markColumns)
    .from(reviewMarks)
    .leftJoin(users, eq(users.id, reviewMarks.userId))
    .where(
      and(
        eq(reviewMarks.orgId, orgId),
        eq(reviewMarks.studyId, studyId),
        filter.dataset === undefined ? undefined : eq(reviewMarks.dataset, filter.dataset),
        filter.usubjid === undefined ? undefined : eq(reviewMarks.usubjid, filter.usubjid),
        filter.usubjids === undefined ? undefined : inArray(reviewMarks.usubjid, filter.usubjids),
      ),
    )
    .orderBy(reviewMarks.dataset, reviewMarks.recordKey, desc(reviewMarks.createdAt), desc(reviewMarks.id));
  return filter.withUnmarked ? rows : rows.filter((row) => row.action === 'reviewed');
}

/** Every mark and withdrawal of one record, oldest first. */
export async function markHistory(
  tx: Tx,
  orgId: string,
  studyId: string,
  dataset: string,
  recordKey: string,
): Promise<ReviewMarkRow[]> {
  return tx
    .select(markColumns)
    .from(reviewMarks)
    .leftJoin(users, eq(users.id, reviewMarks.userId))
    .where(
      and(
        eq(reviewMarks.orgId, orgId),
        eq(reviewMarks.studyId, studyId),
        eq(reviewMarks.dataset, dataset),
        eq(reviewMarks.recordKey, recordKey),
      ),
    )
    .orderBy(asc(reviewMarks.createdAt), asc(reviewMarks.id));
}

const assignee = alias(users, 'assignee');
const creator = alias(users, 'creator');
const threadColumns = {
  id: reviewThreads.id,
  orgId: reviewThreads.orgId,
  studyId: reviewThreads.studyId,
  kind: reviewThreads.kind,
  usubjid: reviewThreads.usubjid,
  dataset: reviewThreads.dataset,
  recordKey: reviewThreads.recordKey,
  title: reviewThreads.title,
  status: reviewThreads.status,
  assignedTo: reviewThreads.assignedTo,
  createdBy: reviewThreads.createdBy,
  createdAt: reviewThreads.createdAt,
  updatedAt: reviewThreads.updatedAt,
  assignedToName: assignee.name,
  createdByName: creator.name,
};

export async function threadsOf(
  tx: Tx,
  orgId: string,
  studyId: string,
  filter: { status?: 'open' | 'answered' | 'closed'; usubjid?: string; assignedTo?: string; id?: string } = {},
): Promise<ReviewThreadRow[]> {
  return tx
    .select(threadColumns)
    .from(reviewThreads)
    .leftJoin(assignee, eq(assignee.id, reviewThreads.assignedTo))
    .leftJoin(creator, eq(creator.id, reviewThreads.createdBy))
    .where(
      and(
        eq(reviewThreads.orgId, orgId),
        eq(reviewThreads.studyId, studyId),
        filter.id === undefined ? undefined : eq(reviewThreads.id, filter.id),
        filter.status === undefined ? undefined : eq(reviewThreads.status, filter.status),
        filter.usubjid === undefined ? undefined : eq(reviewThreads.usubjid, filter.usubjid),
        filter.assignedTo === undefined ? undefined : eq(reviewThreads.assignedTo, filter.assignedTo),
      ),
    )
    .orderBy(desc(reviewThreads.updatedAt))
    .limit(500);
}

export async function messagesOf(tx: Tx, orgId: string, threadIds: string[]): Promise<ReviewMessageRow[]> {
  if (threadIds.length === 0) return [];
  return tx
    .select({
      id: reviewMessages.id,
      orgId: reviewMessages.orgId,
      threadId: reviewMessages.threadId,
      userId: reviewMessages.userId,
      body: reviewMessages.body,
      createdAt: reviewMessages.createdAt,
      userName: users.name,
    })
    .from(reviewMessages)
    .leftJoin(users, eq(users.id, reviewMessages.userId))
    .where(and(eq(reviewMessages.orgId, orgId), inArray(reviewMessages.threadId, threadIds)))
    .orderBy(asc(reviewMessages.createdAt), asc(reviewMessages.id));
}

/** Threads not closed, of the study: all, and those assigned to `userId`. */
export async function openThreadCounts(
  tx: Tx,
  orgId: string,
  studyId: string,
  userId: string | null,
): Promise<{ open: number; mine: number }> {
  const [row] = await tx
    .select({
      open: sql<number>`count(*)::int`,
      mine: sql<number>`(count(*) filter (where ${reviewThreads.assignedTo} = ${userId}))::int`,
    })
    .from(reviewThreads)
    .where(
      and(eq(reviewThreads.orgId, orgId), eq(reviewThreads.studyId, studyId), sql`${reviewThreads.status} <> 'closed'`),
    );
  return { open: row?.open ?? 0, mine: row?.mine ?? 0 };
}

/** An active user of the organization with their unexpired grants (who may be assigned a query). */
export interface AssigneeCandidate {
  id: string;
  name: string;
  grants: { studyId: string | null; permissions: string[] }[];
}

/** The organization's active users and their grants, by name. */
export async function activeUsersWithGrants(tx: Tx, orgId: string): Promise<AssigneeCandidate[]> {
  const result = await tx.execute<{ id: string; name: string; study_id: string | null; permissions: string[] }>(sql`
    select u.id, u.name, a.study_id, r.permissions
    from users u
    join role_assignments a on a.user_id = u.id and (a.expires_at is null or a.expires_at > now())
    join roles r on r.id = a.role_id
    where u.org_id = ${orgId} and u.status = 'active'
    order by u.name, u.id`);
  const byUser = new Map<string, AssigneeCandidate>();
  for (const row of result.rows) {
    const user = byUser.get(row.id) ?? { id: row.id, name: row.name, grants: [] };
    user.grants.push({ studyId: row.study_id, permissions: row.permissions });
    byUser.set(row.id, user);
  }
  return [...byUser.values()];
}

/**
 * Review queries (threads of kind "query") per subject of one study: every query raised, and those
 * not closed (open or answered). Notes are not queries and never count. One grouped statement.
 */
export async function queryCountsBySubject(
  tx: Tx,
  orgId: string,
  studyId: string,
): Promise<{ raised: Record<string, number>; outstanding: Record<string, number> }> {
  const rows = await tx
    .select({
      usubjid: reviewThreads.usubjid,
      raised: sql<number>`count(*)::int`,
      outstanding: sql<number>`(count(*) filter (where ${reviewThreads.status} <> 'closed'))::int`,
    })
    .from(reviewThreads)
    .where(and(eq(reviewThreads.orgId, orgId), eq(reviewThreads.studyId, studyId), eq(reviewThreads.kind, 'query')))
    .groupBy(reviewThreads.usubjid);
  const raised: Record<string, number> = {};
  const outstanding: Record<string, number> = {};
  for (const row of rows) {
    raised[row.usubjid] = row.raised;
    if (row.outstanding > 0) outstanding[row.usubjid] = row.outstanding;
  }
  return { raised, outstanding };
}
