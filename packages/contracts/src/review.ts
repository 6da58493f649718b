import { z } from 'zod';
import { IsoDateTime, Uuid } from './common.ts';

/**
 * Review workflow (issue 19, item 6): marks on records and subjects that reset when the data
 * change, and notes/queries in threads. A record is named by its dataset and key values
 * (`{ USUBJID, AESEQ }`); a subject by the one-row-per-subject dataset (DM, or ADSL) and USUBJID.
 */
export const REVIEW_PERMISSION = 'review:perform:assigned' as const;

export const REVIEW_STATUSES = ['reviewed', 'changed', 'not_reviewed', 'removed'] as const;
export type ReviewStatus = (typeof REVIEW_STATUSES)[number];

export const REVIEW_STATUS_LABELS: Record<ReviewStatus, string> = {
  reviewed: 'Reviewed',
  changed: 'Changed since review',
  not_reviewed: 'Not reviewed',
  removed: 'Record removed',
};

const DatasetName = z
  .string()
  .trim()
  .regex(/^[A-Za-z][A-Za-z0-9_]{0,63}$/, 'A dataset name: letters, digits and underscores, e.g. AE.');
const KeyValue = z.union([z.string().max(200), z.number().finite()]);
/** The record's key values by column, e.g. `{ "USUBJID": "01-701-1015", "AESEQ": 3 }`. */
export const ReviewRecordKey = z.record(z.string().max(64), KeyValue).refine((k) => Object.keys(k).length > 0, {
  message: 'Give the record’s key, e.g. { "USUBJID": "01-701-1015", "AESEQ": 3 }.',
});
const Comment = z.string().trim().max(2000);

export const ReviewMarkRequest = z.strictObject({
  dataset: DatasetName,
  key: ReviewRecordKey,
  comment: Comment.optional(),
});
export type ReviewMarkRequest = z.infer<typeof ReviewMarkRequest>;

export const ReviewFieldChange = z.object({
  column: z.string(),
  from: z.string().nullable(),
  to: z.string().nullable(),
});
export type ReviewFieldChange = z.infer<typeof ReviewFieldChange>;

export const ReviewMarkDto = z.object({
  id: Uuid,
  dataset: z.string(),
  recordKey: z.string(),
  key: z.record(z.string(), z.string().nullable()),
  usubjid: z.string(),
  action: z.enum(['reviewed', 'unmarked']),
  contentSha256: z.string().nullable(),
  dataVersionId: Uuid,
  comment: z.string().nullable(),
  userId: Uuid.nullable(),
  userName: z.string().nullable(),
  createdAt: IsoDateTime,
});
export type ReviewMarkDto = z.infer<typeof ReviewMarkDto>;

export const ReviewRecordStatusDto = z.object({
  dataset: z.string(),
  recordKey: z.string(),
  key: z.record(z.string(), z.string().nullable()),
  usubjid: z.string(),
  status: z.enum(REVIEW_STATUSES),
  mark: ReviewMarkDto.nullable(),
  /** Field by field, what changed between the reviewed values and the active version's (`changed` only). */
  changes: z.array(ReviewFieldChange),
});
export type ReviewRecordStatusDto = z.infer<typeof ReviewRecordStatusDto>;

export const ReviewMarkResponse = z.object({ data: ReviewRecordStatusDto });

/** One or more subjects: `?usubjids=A&usubjids=B` (a single one arrives as text). */
const SubjectList = z.preprocess(
  (value) => (typeof value === 'string' ? [value] : value),
  z.array(z.string().trim().min(1).max(200)).min(1).max(1000),
);
/** The most records one request of review statuses returns; readers page past it (`offset`). */
export const REVIEW_RECORDS_MAX_LIMIT = 5000;
export const ReviewRecordsQuery = z.strictObject({
  status: z.enum(REVIEW_STATUSES).optional(),
  usubjid: z.string().trim().min(1).max(200).optional(),
  /** The records of these subjects only (a listing's page of subjects, a grid's visible rows). */
  usubjids: SubjectList.optional(),
  offset: z.coerce.number().int().min(0).max(10_000_000).default(0),
  limit: z.coerce.number().int().min(1).max(REVIEW_RECORDS_MAX_LIMIT).default(50),
});
export const ReviewRecordsResponse = z.object({
  data: z.array(ReviewRecordStatusDto),
  page: z.object({ offset: z.number(), limit: z.number(), total: z.number() }),
  meta: z.object({ dataVersionId: Uuid, key: z.array(z.string()) }),
});

export const ReviewHistoryQuery = z.strictObject({ key: z.string().min(1).max(2000) });
export const ReviewHistoryResponse = z.object({ data: z.array(ReviewMarkDto) });

export const ReviewDatasetCounts = z.object({
  dataset: z.string(),
  key: z.array(z.string()).nullable(),
  /** Why the dataset's records cannot be reviewed (no USUBJID, key not unique), when so. */
  keyProblem: z.string().nullable(),
  rows: z.number(),
  reviewed: z.number(),
  changed: z.number(),
  notReviewed: z.number(),
  removed: z.number(),
});
export const ReviewCountsResponse = z.object({
  data: z.object({
    dataVersionId: Uuid.nullable(),
    datasets: z.array(ReviewDatasetCounts),
    openThreads: z.number(),
    openAssignedToMe: z.number(),
  }),
});

export const ReviewSubjectResponse = z.object({
  data: z.object({
    usubjid: z.string(),
    dataVersionId: Uuid,
    /** The subject-level mark (the subject's DM or ADSL row). */
    subject: ReviewRecordStatusDto.nullable(),
    records: z.array(ReviewRecordStatusDto),
  }),
});

export const REVIEW_THREAD_STATUSES = ['open', 'answered', 'closed'] as const;
export const ReviewThreadCreate = z.strictObject({
  kind: z.enum(['note', 'query']).default('query'),
  usubjid: z.string().trim().min(1).max(200),
  dataset: DatasetName.optional(),
  key: ReviewRecordKey.optional(),
  title: z.string().trim().min(1).max(200),
  body: z.string().trim().min(1).max(10_000),
  assignedTo: Uuid.nullable().optional(),
});
export type ReviewThreadCreate = z.infer<typeof ReviewThreadCreate>;
export const ReviewThreadUpdate = z
  .strictObject({
    status: z.enum(REVIEW_THREAD_STATUSES).optional(),
    assignedTo: Uuid.nullable().optional(),
  })
  .refine((u) => u.status !== undefined || u.assignedTo !== undefined, {
    message: 'Give a status or an assignee to change.',
  });
export type ReviewThreadUpdate = z.infer<typeof ReviewThreadUpdate>;
export const ReviewMessageCreate = z.strictObject({ body: z.string().trim().min(1).max(10_000) });

export const ReviewMessageDto = z.object({
  id: Uuid,
  userId: Uuid.nullable(),
  userName: z.string().nullable(),
  body: z.string(),
  createdAt: IsoDateTime,
});
export const ReviewThreadDto = z.object({
  id: Uuid,
  kind: z.enum(['note', 'query']),
  usubjid: z.string(),
  dataset: z.string().nullable(),
  recordKey: z.string().nullable(),
  title: z.string(),
  status: z.enum(REVIEW_THREAD_STATUSES),
  assignedTo: Uuid.nullable(),
  assignedToName: z.string().nullable(),
  createdBy: Uuid.nullable(),
  createdByName: z.string().nullable(),
  createdAt: IsoDateTime,
  updatedAt: IsoDateTime,
  messages: z.array(ReviewMessageDto).optional(),
});
export type ReviewThreadDto = z.infer<typeof ReviewThreadDto>;
export const ReviewThreadResponse = z.object({ data: ReviewThreadDto });
export const ReviewThreadsQuery = z.strictObject({
  status: z.enum(REVIEW_THREAD_STATUSES).optional(),
  usubjid: z.string().trim().min(1).max(200).optional(),
  assigned: z.enum(['me']).optional(),
});
export const ReviewThreadsResponse = z.object({ data: z.array(ReviewThreadDto) });

/** Who a query can be assigned to from the picker (active users who may act on it in the study). */
export const ReviewAssigneesResponse = z.object({ data: z.array(z.object({ id: Uuid, name: z.string() })) });
