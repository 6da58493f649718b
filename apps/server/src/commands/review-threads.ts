import { hasPermission, REVIEW_PERMISSION, type ReviewThreadCreate, type ReviewThreadUpdate } from '@cdp/contracts';
import { reviewMessages, reviewThreads, type Tx, users } from '@cdp/db';
import { and, eq, sql } from 'drizzle-orm';
import { appendAudit } from '../audit/audit-log.ts';
import type { Author } from '../auth/author.ts';
import { datasetOf, loadVersionData } from '../data/version-data.ts';
import { AppError, notFound } from '../lib/app-error.ts';
import type { AppContext } from '../lib/context.ts';
import { PIPELINE_ENGINE } from '../phi/protect-version.ts';
import { lockedStudyFor } from '../policies/study.ts';
import { activeVersionOf } from '../repositories/data-versions.repo.ts';
import { parseRecordKey, reviewDatasetOf } from '../review/record-status.ts';

type ThreadRow = typeof reviewThreads.$inferSelect;

function field(path: string, message: string) {
  return { issues: [{ path, message }] };
}

/** The assignee must be an active user of the organization who may see the study. */
async function assertAssignable(tx: Tx, author: Author, studyId: string, userId: string): Promise<void> {
  const [user] = await tx
    .select({ id: users.id, status: users.status })
    .from(users)
    .where(and(eq(users.orgId, author.orgId), eq(users.id, userId)));
  const problem = new AppError(
    'VALIDATION_FAILED',
    'Assign the query to an active user of your organization who works on this study.',
    field('body.assignedTo', 'Not an active user of this study.'),
  );
  if (user?.status !== 'active') throw problem;
  const grants = await tx.execute<{ study_id: string | null; permissions: string[] }>(sql`
    select a.study_id, r.permissions from role_assignments a join roles r on r.id = a.role_id
    where a.user_id = ${userId} and (a.expires_at is null or a.expires_at > now())`);
  const held = grants.rows.map((g) => ({ roleKey: '', studyId: g.study_id, permissions: g.permissions }));
  if (!hasPermission(held, 'study:view:assigned', studyId)) throw problem;
}

/** A record's key checked against the active version (the record may be gone later; the thread stays). */
async function recordKeyOf(ctx: AppContext, author: Author, input: ReviewThreadCreate & { studyId: string }) {
  if (!input.dataset) {
    if (input.key)
      throw new AppError('VALIDATION_FAILED', 'A key needs its dataset.', field('body.dataset', 'Required with key.'));
    return null;
  }
  if (!input.key)
    throw new AppError(
      'VALIDATION_FAILED',
      'A dataset needs the record’s key.',
      field('body.key', 'Required with dataset.'),
    );
  const versionId = await ctx.database.tenant(author.orgId, (tx) => activeVersionOf(tx, author.orgId, input.studyId));
  const raw = versionId ? await loadVersionData(ctx, author.orgId, input.studyId, versionId, PIPELINE_ENGINE) : null;
  const stored = raw ? datasetOf(raw, input.dataset) : undefined;
  const dataset = stored ? reviewDatasetOf(stored) : null;
  if (!dataset) throw notFound(`Dataset ${input.dataset.toUpperCase()} with USUBJID in the active data version`);
  const key = parseRecordKey(dataset, input.key);
  if (key.usubjid !== input.usubjid) {
    throw new AppError(
      'VALIDATION_FAILED',
      'The record’s USUBJID and the thread’s subject differ.',
      field('body.usubjid', 'Must match key.USUBJID.'),
    );
  }
  return { dataset: dataset.name, recordKey: key.text };
}

/** Opens a note or query on a subject or a record, with its first message; audited. */
export async function createThread(
  ctx: AppContext,
  author: Author,
  input: ReviewThreadCreate & { studyId: string },
): Promise<string> {
  await ctx.database.tenant(author.orgId, (tx) => lockedStudyFor(tx, author, input.studyId, REVIEW_PERMISSION));
  const record = await recordKeyOf(ctx, author, input);
  return ctx.database.tenant(author.orgId, async (tx) => {
    await lockedStudyFor(tx, author, input.studyId, REVIEW_PERMISSION);
    if (input.assignedTo) await assertAssignable(tx, author, input.studyId, input.assignedTo);
    const userId = author.type === 'user' ? author.id : null;
    const [thread] = await tx
      .insert(reviewThreads)
      .values({
        orgId: author.orgId,
        studyId: input.studyId,
        kind: input.kind,
        usubjid: input.usubjid,
        dataset: record?.dataset ?? null,
        recordKey: record?.recordKey ?? null,
        title: input.title,
        assignedTo: input.assignedTo ?? null,
        createdBy: userId,
      })
      .returning({ id: reviewThreads.id });
    if (!thread) throw new Error('review thread insert returned nothing');
    await tx.insert(reviewMessages).values({ orgId: author.orgId, threadId: thread.id, userId, body: input.body });
    await appendAudit(tx, {
      orgId: author.orgId,
      author,
      action: 'review_thread.created',
      resourceType: 'review_thread',
      resourceId: thread.id,
      newValues: {
        studyId: input.studyId,
        kind: input.kind,
        usubjid: input.usubjid,
        dataset: record?.dataset ?? null,
        recordKey: record?.recordKey ?? null,
        title: input.title,
        assignedTo: input.assignedTo ?? null,
      },
    });
    return thread.id;
  });
}

async function lockedThread(tx: Tx, author: Author, studyId: string, threadId: string): Promise<ThreadRow> {
  await lockedStudyFor(tx, author, studyId, REVIEW_PERMISSION);
  const [thread] = await tx
    .select()
    .from(reviewThreads)
    .where(
      and(eq(reviewThreads.orgId, author.orgId), eq(reviewThreads.studyId, studyId), eq(reviewThreads.id, threadId)),
    )
    .for('update');
  if (!thread) throw notFound('Review thread');
  return thread;
}

/**
 * A reply. A reply by the assignee to an open query answers it (open → answered); a reply by
 * anyone else to an answered one reopens it. A closed thread takes no reply until reopened.
 */
export async function replyToThread(
  ctx: AppContext,
  author: Author,
  input: { studyId: string; threadId: string; body: string },
): Promise<void> {
  await ctx.database.tenant(author.orgId, async (tx) => {
    const thread = await lockedThread(tx, author, input.studyId, input.threadId);
    if (thread.status === 'closed') {
      throw new AppError('INVALID_STATE', 'This thread is closed: reopen it to reply.');
    }
    const userId = author.type === 'user' ? author.id : null;
    await tx.insert(reviewMessages).values({ orgId: author.orgId, threadId: thread.id, userId, body: input.body });
    const isAssignee = userId !== null && userId === thread.assignedTo;
    const status =
      thread.kind === 'query' && thread.status === 'open' && isAssignee
        ? 'answered'
        : thread.kind === 'query' && thread.status === 'answered' && !isAssignee
          ? 'open'
          : thread.status;
    await tx.update(reviewThreads).set({ status, updatedAt: sql`now()` }).where(eq(reviewThreads.id, thread.id));
    await appendAudit(tx, {
      orgId: author.orgId,
      author,
      action: 'review_thread.replied',
      resourceType: 'review_thread',
      resourceId: thread.id,
      oldValues: { status: thread.status },
      newValues: { status },
    });
  });
}

/** Changes a thread's status and/or assignee; each change is its own audit event. */
export async function updateThread(
  ctx: AppContext,
  author: Author,
  input: ReviewThreadUpdate & { studyId: string; threadId: string },
): Promise<void> {
  await ctx.database.tenant(author.orgId, async (tx) => {
    const thread = await lockedThread(tx, author, input.studyId, input.threadId);
    const changes: Partial<ThreadRow> = {};
    if (input.assignedTo !== undefined && input.assignedTo !== thread.assignedTo) {
      if (input.assignedTo) await assertAssignable(tx, author, input.studyId, input.assignedTo);
      changes.assignedTo = input.assignedTo;
    }
    if (input.status !== undefined && input.status !== thread.status) changes.status = input.status;
    if (Object.keys(changes).length === 0) return;
    await tx
      .update(reviewThreads)
      .set({ ...changes, updatedAt: sql`now()` })
      .where(eq(reviewThreads.id, thread.id));
    if (changes.status !== undefined) {
      await appendAudit(tx, {
        orgId: author.orgId,
        author,
        action: 'review_thread.status_changed',
        resourceType: 'review_thread',
        resourceId: thread.id,
        oldValues: { status: thread.status },
        newValues: { status: changes.status },
      });
    }
    if (changes.assignedTo !== undefined) {
      await appendAudit(tx, {
        orgId: author.orgId,
        author,
        action: 'review_thread.assigned',
        resourceType: 'review_thread',
        resourceId: thread.id,
        oldValues: { assignedTo: thread.assignedTo },
        newValues: { assignedTo: changes.assignedTo },
      });
    }
  });
}
