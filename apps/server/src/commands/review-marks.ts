import { REVIEW_PERMISSION, type ReviewMarkRequest } from '@cdp/contracts';
import { reviewMarks } from '@cdp/db';
import { appendAudit } from '../audit/audit-log.ts';
import type { Author } from '../auth/author.ts';
import { datasetOf, loadVersionData } from '../data/version-data.ts';
import { AppError, notFound } from '../lib/app-error.ts';
import type { AppContext } from '../lib/context.ts';
import { PIPELINE_ENGINE } from '../phi/protect-version.ts';
import { lockedStudyFor } from '../policies/study.ts';
import { activeVersionOf } from '../repositories/data-versions.repo.ts';
import { markHistory } from '../repositories/review.repo.ts';
import { parseRecordKey, type ReviewDataset, recordNow, reviewDatasetOf } from '../review/record-status.ts';

export interface MarkInput extends ReviewMarkRequest {
  studyId: string;
}

export interface MarkOutcome {
  dataset: ReviewDataset;
  recordKey: string;
  versionId: string;
}

/** The active version's dataset the mark is about, after the study check (404/403 first, then 409/400). */
async function target(ctx: AppContext, author: Author, input: MarkInput) {
  const versionId = await ctx.database.tenant(author.orgId, async (tx) => {
    await lockedStudyFor(tx, author, input.studyId, REVIEW_PERMISSION);
    return activeVersionOf(tx, author.orgId, input.studyId);
  });
  if (!versionId) {
    throw new AppError('INVALID_STATE', 'The study has no active data version: load and activate data to review it.');
  }
  const raw = await loadVersionData(ctx, author.orgId, input.studyId, versionId, PIPELINE_ENGINE);
  const stored = raw ? datasetOf(raw, input.dataset) : undefined;
  if (!stored) throw notFound(`Dataset ${input.dataset.toUpperCase()} in the active data version`);
  const dataset = reviewDatasetOf(stored);
  if (!dataset) {
    throw new AppError('VALIDATION_FAILED', `${stored.name} has no USUBJID column: its records cannot be reviewed.`, {
      issues: [{ path: 'body.dataset', message: 'No USUBJID column.' }],
    });
  }
  return { versionId, dataset, key: parseRecordKey(dataset, input.key) };
}

/** Refuses to write when the active version moved while the record was being read. */
async function assertStillActive(
  tx: Parameters<typeof activeVersionOf>[0],
  author: Author,
  input: MarkInput,
  versionId: string,
) {
  await lockedStudyFor(tx, author, input.studyId, REVIEW_PERMISSION);
  if ((await activeVersionOf(tx, author.orgId, input.studyId)) !== versionId) {
    throw new AppError('CONFLICT', 'Another data version was activated meanwhile: reload and review the record again.');
  }
}

/**
 * Marks a record (or a subject: its DM/ADSL row) reviewed on the active data version: the mark
 * holds the SHA-256 of the record's canonical content and a snapshot of its values, so a later
 * version can tell "changed since review" and what changed. Appended (never overwrites), audited.
 */
export async function markReviewed(ctx: AppContext, author: Author, input: MarkInput): Promise<MarkOutcome> {
  const { versionId, dataset, key } = await target(ctx, author, input);
  const record = await recordNow(ctx, dataset, key.values);
  if (!record) throw notFound(`Record ${key.text} in ${dataset.name}`);
  await ctx.database.tenant(author.orgId, async (tx) => {
    await assertStillActive(tx, author, input, versionId);
    const [row] = await tx
      .insert(reviewMarks)
      .values({
        orgId: author.orgId,
        studyId: input.studyId,
        dataset: dataset.name,
        recordKey: key.text,
        keyValues: key.values,
        usubjid: record.usubjid,
        action: 'reviewed',
        contentSha256: record.sha256,
        dataVersionId: versionId,
        snapshot: record.values,
        comment: input.comment || null,
        userId: author.type === 'user' ? author.id : null,
      })
      .returning({ id: reviewMarks.id });
    if (!row) throw new Error('review mark insert returned nothing');
    await appendAudit(tx, {
      orgId: author.orgId,
      author,
      action: 'review.marked',
      resourceType: 'review_mark',
      resourceId: row.id,
      // The values reviewed are PHI-bearing: the trail keeps the hash that binds them, not the values.
      newValues: {
        studyId: input.studyId,
        dataset: dataset.name,
        recordKey: key.text,
        contentSha256: record.sha256,
        dataVersionId: versionId,
        comment: input.comment || null,
      },
    });
  });
  return { dataset, recordKey: key.text, versionId };
}

/** Withdraws the mark in force on a record (409 when there is none); the history keeps both. */
export async function unmarkReviewed(ctx: AppContext, author: Author, input: MarkInput): Promise<MarkOutcome> {
  const { versionId, dataset, key } = await target(ctx, author, input);
  await ctx.database.tenant(author.orgId, async (tx) => {
    await assertStillActive(tx, author, input, versionId);
    const history = await markHistory(tx, author.orgId, input.studyId, dataset.name, key.text);
    const last = history.at(-1);
    if (last?.action !== 'reviewed') {
      throw new AppError(
        'CONFLICT',
        `${dataset.name} ${key.text} is not marked reviewed: there is no mark to withdraw.`,
      );
    }
    const [row] = await tx
      .insert(reviewMarks)
      .values({
        orgId: author.orgId,
        studyId: input.studyId,
        dataset: dataset.name,
        recordKey: key.text,
        keyValues: key.values,
        usubjid: last.usubjid,
        action: 'unmarked',
        contentSha256: null,
        dataVersionId: versionId,
        snapshot: null,
        comment: input.comment || null,
        userId: author.type === 'user' ? author.id : null,
      })
      .returning({ id: reviewMarks.id });
    if (!row) throw new Error('review mark insert returned nothing');
    await appendAudit(tx, {
      orgId: author.orgId,
      author,
      action: 'review.unmarked',
      resourceType: 'review_mark',
      resourceId: row.id,
      oldValues: { markId: last.id, contentSha256: last.contentSha256, dataVersionId: last.dataVersionId },
      newValues: { studyId: input.studyId, dataset: dataset.name, recordKey: key.text, comment: input.comment || null },
    });
  });
  return { dataset, recordKey: key.text, versionId };
}
