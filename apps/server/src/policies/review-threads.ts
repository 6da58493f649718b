import { hasPermission, REVIEW_PERMISSION } from '@cdp/contracts';
import type { Actor } from '../auth/actor.ts';
import { notFound } from '../lib/app-error.ts';
import type { AppContext } from '../lib/context.ts';
import { presentThread } from '../presenters/review.ts';
import { activeUsersWithGrants, messagesOf, threadsOf } from '../repositories/review.repo.ts';
import type { StudyRow } from '../repositories/studies.repo.ts';

/** The study's threads, newest activity first, filtered by status, subject or "assigned to me". */
export async function reviewThreads(
  ctx: AppContext,
  actor: Actor,
  study: StudyRow,
  query: { status?: 'open' | 'answered' | 'closed'; usubjid?: string; assigned?: 'me' },
) {
  const rows = await ctx.database.tenant(actor.orgId, (tx) =>
    threadsOf(tx, actor.orgId, study.id, {
      status: query.status,
      usubjid: query.usubjid,
      // An API key is nobody's assignee: "mine" is empty for it.
      assignedTo:
        query.assigned === 'me' ? (actor.apiKey ? '00000000-0000-0000-0000-000000000000' : actor.userId) : undefined,
    }),
  );
  return rows.map((row) => presentThread(row));
}

/** One thread with its messages, oldest first; 404 for another study's or tenant's. */
export async function reviewThread(ctx: AppContext, actor: Actor, study: StudyRow, threadId: string) {
  return ctx.database.tenant(actor.orgId, async (tx) => {
    const [row] = await threadsOf(tx, actor.orgId, study.id, { id: threadId });
    if (!row) throw notFound('Review thread');
    return presentThread(row, await messagesOf(tx, actor.orgId, [row.id]));
  });
}

/**
 * Who a query can be assigned to from the picker: the organization's active users who may act on
 * it in this study (see it and hold review:perform, so they can answer and close it), by name.
 */
export async function reviewAssignees(ctx: AppContext, actor: Actor, study: StudyRow) {
  const users = await ctx.database.tenant(actor.orgId, (tx) => activeUsersWithGrants(tx, actor.orgId));
  return users
    .filter((user) => {
      const held = user.grants.map((g) => ({ roleKey: '', ...g }));
      return hasPermission(held, 'study:view:assigned', study.id) && hasPermission(held, REVIEW_PERMISSION, study.id);
    })
    .map((user) => ({ id: user.id, name: user.name }));
}
