import { z } from 'zod';
import { PageQuery, Uuid } from './common.ts';

export const SECURITY_EVENT_KINDS = [
  'permission_denied',
  'cross_tenant',
  'invalid_token',
  'refresh_reuse',
  'rate_limited',
  'login_locked',
] as const;
export const SecurityEventKind = z.enum(SECURITY_EVENT_KINDS);
export type SecurityEventKind = z.infer<typeof SecurityEventKind>;

/** Words for each kind, shared by the web app and documentation. */
export const SECURITY_EVENT_LABELS: Record<SecurityEventKind, string> = {
  permission_denied: 'Permission denied',
  cross_tenant: 'Another organization’s resource',
  invalid_token: 'Invalid or tampered token',
  refresh_reuse: 'Refresh token reused',
  rate_limited: 'Rate limit hit',
  login_locked: 'Sign-in locked',
};

/**
 * One row of the security log: identical events within one minute are one row with a `count`.
 * `resourceIds` holds up to five of the ids involved.
 */
export const SecurityEvent = z.object({
  id: z.number().int(),
  kind: SecurityEventKind,
  count: z.number().int(),
  firstSeenAt: z.string(),
  lastSeenAt: z.string(),
  actor: z.object({ type: z.string(), id: z.string().nullable(), label: z.string() }).nullable(),
  ip: z.string().nullable(),
  userAgent: z.string().nullable(),
  method: z.string().nullable(),
  route: z.string().nullable(),
  status: z.number().int().nullable(),
  resourceType: z.string().nullable(),
  resourceIds: z.array(z.string()),
  detail: z.record(z.string(), z.unknown()).nullable(),
  /** A copy for the probed organization: who and from where are the platform's to know. */
  redacted: z.boolean(),
});
export type SecurityEvent = z.infer<typeof SecurityEvent>;

/** The platform's view adds whose log the row is in and the organizations involved. */
export const PlatformSecurityEvent = SecurityEvent.extend({
  org: z.object({ id: Uuid, name: z.string(), kind: z.string() }),
  actorOrg: z.object({ id: Uuid, name: z.string() }).nullable(),
  targetOrg: z.object({ id: Uuid, name: z.string() }).nullable(),
});
export type PlatformSecurityEvent = z.infer<typeof PlatformSecurityEvent>;

export const SecurityEventQuery = PageQuery.extend({
  kind: SecurityEventKind.optional(),
}).strict();
export type SecurityEventQuery = z.infer<typeof SecurityEventQuery>;

export const PlatformSecurityEventQuery = SecurityEventQuery.extend({ orgId: Uuid.optional() }).strict();
export type PlatformSecurityEventQuery = z.infer<typeof PlatformSecurityEventQuery>;
