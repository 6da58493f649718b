import type { ReviewMarkDto, ReviewThreadDto } from '@cdp/contracts';
import type { ReviewMarkRow, ReviewMessageRow, ReviewThreadRow } from '../repositories/review.repo.ts';

/** A mark as the API shows it: never its snapshot (PHI), which only feeds "what changed". */
export function presentMark(row: ReviewMarkRow): ReviewMarkDto {
  return {
    id: row.id,
    dataset: row.dataset,
    recordKey: row.recordKey,
    key: row.keyValues,
    usubjid: row.usubjid,
    action: row.action,
    contentSha256: row.contentSha256,
    dataVersionId: row.dataVersionId,
    comment: row.comment,
    userId: row.userId,
    userName: row.userName,
    createdAt: row.createdAt.toISOString(),
  };
}

export function presentThread(row: ReviewThreadRow, messages?: ReviewMessageRow[]): ReviewThreadDto {
  return {
    id: row.id,
    kind: row.kind,
    usubjid: row.usubjid,
    dataset: row.dataset,
    recordKey: row.recordKey,
    title: row.title,
    status: row.status,
    assignedTo: row.assignedTo,
    assignedToName: row.assignedToName,
    createdBy: row.createdBy,
    createdByName: row.createdByName,
    createdAt: row.createdAt.toISOString(),
    updatedAt: row.updatedAt.toISOString(),
    ...(messages
      ? {
          messages: messages.map((m) => ({
            id: m.id,
            userId: m.userId,
            userName: m.userName,
            body: m.body,
            createdAt: m.createdAt.toISOString(),
          })),
        }
      : {}),
  };
}
