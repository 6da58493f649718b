import { STUDY_TRANSITIONS, type StudyStatus, type UpdateStudyData } from '@cdp/contracts';
import { studies } from '@cdp/db';
import { eq, sql } from 'drizzle-orm';
import { appendAudit } from '../audit/audit-log.ts';
import type { Author } from '../auth/author.ts';
import { AppError } from '../lib/app-error.ts';
import type { AppContext } from '../lib/context.ts';
import { lockedStudyFor } from '../policies/study.ts';
import { presentStudy } from '../presenters/study.ts';
import type { StudyRow } from '../repositories/studies.repo.ts';

/** Edits study metadata; an archived study is read-only. Old and new values go to the audit trail. */
export async function updateStudy(
  ctx: AppContext,
  author: Author,
  input: { studyId: string; changes: UpdateStudyData },
): Promise<StudyRow> {
  return ctx.database.tenant(author.orgId, async (tx) => {
    const study = await lockedStudyFor(tx, author, input.studyId, 'study:manage:assigned');
    if (study.status === 'archived') {
      throw new AppError('INVALID_STATE', `Study ${study.code} is archived and can no longer be changed.`);
    }
    const changes = Object.fromEntries(
      Object.entries(input.changes).filter(
        ([key, value]) => value !== undefined && study[key as keyof StudyRow] !== value,
      ),
    ) as Partial<StudyRow>;
    if (Object.keys(changes).length === 0) return study;
    checkEnrollmentPlan({ ...study, ...changes });

    const [row] = await tx
      .update(studies)
      .set({ ...changes, updatedAt: sql`now()` })
      .where(eq(studies.id, study.id))
      .returning();
    if (!row) throw new Error('study update returned nothing');
    const before = presentStudy(study);
    await appendAudit(tx, {
      orgId: author.orgId,
      author,
      action: 'study.updated',
      resourceType: 'study',
      resourceId: study.id,
      oldValues: Object.fromEntries(Object.keys(changes).map((k) => [k, before[k as keyof typeof before]])),
      newValues: changes,
    });
    return row;
  });
}

/** The request checks dates given together; this checks one date against the other one stored. */
function checkEnrollmentPlan(next: Pick<StudyRow, 'plannedEnrollmentStart' | 'plannedEnrollmentEnd'>) {
  const { plannedEnrollmentStart: start, plannedEnrollmentEnd: end } = next;
  if (start && end && end <= start) {
    throw new AppError(
      'VALIDATION_FAILED',
      `body.plannedEnrollmentEnd: the planned enrollment end (${end}) must come after its start (${start}).`,
      {
        issues: [
          { path: 'body.plannedEnrollmentEnd', message: 'The planned enrollment end must come after its start.' },
        ],
      },
    );
  }
}

/**
 * Moves a study through draft → active ⇄ locked → archived. Every change needs a reason,
 * which the audit trail keeps; archiving is final.
 */
export async function changeStudyStatus(
  ctx: AppContext,
  author: Author,
  input: { studyId: string; status: StudyStatus; reason: string },
): Promise<StudyRow> {
  const { status, reason } = input;
  return ctx.database.tenant(author.orgId, async (tx) => {
    const study = await lockedStudyFor(tx, author, input.studyId, 'study:manage:assigned');
    const allowed = STUDY_TRANSITIONS[study.status];
    if (!allowed.includes(status)) {
      throw new AppError(
        'INVALID_STATE',
        allowed.length === 0
          ? `Study ${study.code} is ${study.status}; its status can no longer change.`
          : `Study ${study.code} is ${study.status}; it can move to ${allowed.join(' or ')}, not ${status}.`,
      );
    }
    const archiving = status === 'archived';
    const [row] = await tx
      .update(studies)
      .set({
        status,
        updatedAt: sql`now()`,
        ...(archiving ? { archivedAt: sql`now()`, archivedReason: reason } : {}),
      })
      .where(eq(studies.id, study.id))
      .returning();
    if (!row) throw new Error('study update returned nothing');
    await appendAudit(tx, {
      orgId: author.orgId,
      author,
      action: archiving ? 'study.archived' : 'study.status_changed',
      resourceType: 'study',
      resourceId: study.id,
      oldValues: { status: study.status },
      newValues: { status },
      reason,
    });
    return row;
  });
}
