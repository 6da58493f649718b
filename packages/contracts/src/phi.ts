import { z } from 'zod';
import { IsoDateTime, Uuid } from './common.ts';

/**
 * How a study classifies a column: `phi`, a direct identifier (birth date, initials, name, address,
 * phone), masked for whoever lacks `data:view_phi:assigned` and encrypted on disk; `sensitive`,
 * marked in the viewer for care but served as it is.
 */
export const PHI_CLASSES = ['phi', 'sensitive'] as const;
export const PhiClass = z.enum(PHI_CLASSES);
export type PhiClass = z.infer<typeof PhiClass>;

/** The permission that shows PHI columns in clear. */
export const VIEW_PHI = 'data:view_phi:assigned' as const;

/** What a masked text value reads as: fixed, so its length tells nothing. */
export const PHI_TEXT_MASK = '[PHI]';

/** A dataset and column name as uploaded (SAS names are matched case-insensitively). */
const Name = z
  .string()
  .trim()
  .min(1)
  .max(64)
  .regex(/^[A-Za-z_][A-Za-z0-9_]*$/, 'a dataset or column name: letters, digits and _');

export const PhiColumn = z.object({
  dataset: z.string(),
  column: z.string(),
  classification: PhiClass,
  confirmedBy: z.object({ id: Uuid, name: z.string() }).nullable(),
  confirmedAt: IsoDateTime,
});
export type PhiColumn = z.infer<typeof PhiColumn>;

/** A column the rules think may hold PHI, with the reason (`BRTHDTC: birth date`). */
export const PhiSuggestion = z.object({
  dataset: z.string(),
  column: z.string(),
  label: z.string().nullable(),
  classification: PhiClass,
  reason: z.string(),
  /** Already confirmed as this (or another) class. */
  confirmed: PhiClass.nullable(),
});
export type PhiSuggestion = z.infer<typeof PhiSuggestion>;

export const PhiClassificationList = z.object({
  data: z.array(PhiColumn),
  meta: z.object({
    /** Whether the caller sees these columns in clear. */
    clear: z.boolean(),
  }),
});
export type PhiClassificationList = z.infer<typeof PhiClassificationList>;

export const PhiSuggestionList = z.object({ data: z.array(PhiSuggestion) });
export type PhiSuggestionList = z.infer<typeof PhiSuggestionList>;

export const SetPhiColumnBody = z.object({
  dataset: Name,
  column: Name,
  classification: PhiClass,
});
export type SetPhiColumnBody = z.infer<typeof SetPhiColumnBody>;

/** One response that carried PHI in clear. */
export const PhiAccessEntry = z.object({
  id: Uuid,
  at: IsoDateTime,
  user: z.object({ id: Uuid, name: z.string(), email: z.string() }).nullable(),
  apiKeyId: Uuid.nullable(),
  ip: z.string().nullable(),
  userAgent: z.string().nullable(),
  studyId: Uuid,
  studyCode: z.string().nullable(),
  dataset: z.string(),
  columns: z.array(z.string()),
  rows: z.number().int(),
  route: z.string(),
});
export type PhiAccessEntry = z.infer<typeof PhiAccessEntry>;

export const PhiAccessQuery = z.object({
  userId: Uuid.optional(),
  studyId: Uuid.optional(),
  dataset: z.string().max(64).optional(),
  from: z.iso.datetime({ offset: true }).optional(),
  to: z.iso.datetime({ offset: true }).optional(),
  limit: z.coerce.number().int().min(1).max(500).default(100),
  offset: z.coerce.number().int().min(0).default(0),
});
export type PhiAccessQuery = z.infer<typeof PhiAccessQuery>;

export const PhiAccessList = z.object({
  data: z.array(PhiAccessEntry),
  page: z.object({ total: z.number().int(), limit: z.number().int(), offset: z.number().int() }),
});
export type PhiAccessList = z.infer<typeof PhiAccessList>;

/** Per user and calendar month (UTC): how often they read PHI, and how many rows. */
export const PhiAccessReportRow = z.object({
  month: z.string(),
  user: z.object({ id: Uuid, name: z.string(), email: z.string() }).nullable(),
  apiKeyId: Uuid.nullable(),
  responses: z.number().int(),
  rows: z.number().int(),
  studies: z.number().int(),
});
export type PhiAccessReportRow = z.infer<typeof PhiAccessReportRow>;

export const PhiAccessReport = z.object({ data: z.array(PhiAccessReportRow) });
export type PhiAccessReport = z.infer<typeof PhiAccessReport>;
