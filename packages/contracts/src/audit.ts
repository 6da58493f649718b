import { z } from 'zod';
import { CollectionMeta, IsoDateTime, paged } from './common.ts';

export const AuditEvent = z.object({
  seq: z.number().int(),
  action: z.string(),
  resourceType: z.string(),
  resourceId: z.string().nullable(),
  /** The resource as a person knows it, written with the event (null on events older than the column). */
  resourceLabel: z.string().nullable(),
  actor: z.object({
    type: z.enum(['user', 'api_key', 'system']),
    id: z.string().nullable(),
    label: z.string(),
  }),
  oldValues: z.unknown().nullable(),
  newValues: z.unknown().nullable(),
  reason: z.string().nullable(),
  ip: z.string().nullable(),
  userAgent: z.string().nullable(),
  createdAt: z.string(),
  prevHash: z.string(),
  hash: z.string(),
});
export type AuditEvent = z.infer<typeof AuditEvent>;

export const AuditQuery = z.object({
  from: IsoDateTime.optional(),
  to: IsoDateTime.optional(),
  /** user id, or part of the actor's e-mail */
  actor: z.string().trim().max(254).optional(),
  /** exact action, or a prefix ending in `.` (e.g. `auth.`) */
  action: z.string().trim().max(100).optional(),
  resourceType: z.string().trim().max(100).optional(),
  resourceId: z.string().trim().max(100).optional(),
  page: z.coerce.number().int().min(1).default(1),
  pageSize: z.coerce.number().int().min(1).max(500).default(50),
});
export type AuditQuery = z.infer<typeof AuditQuery>;

/**
 * The export's filters, plus `raw=true` for programs (API only): values exactly as recorded, so a
 * reader can recompute the hash chain; without it, text a spreadsheet would run as a formula is
 * neutralised (see `csv.ts`).
 */
export const AuditExportQuery = AuditQuery.omit({ page: true, pageSize: true }).extend({
  raw: z
    .enum(['true', 'false'])
    .transform((v) => v === 'true')
    .optional(),
});

export const AuditVerifyResponse = z.object({
  ok: z.boolean(),
  checked: z.number().int(),
  firstBrokenSequence: z.number().int().nullable(),
  /** What was wrong at the first broken sequence, for the person investigating. */
  problem: z.string().nullable(),
});
export type AuditVerifyResponse = z.infer<typeof AuditVerifyResponse>;

/** Newest first; `page` is `{ number, size, total }`; `meta.permissions` holds `audit:export:own` when you may export. */
export const AuditPage = paged(AuditEvent).extend({ meta: CollectionMeta });
export type AuditPage = z.infer<typeof AuditPage>;
