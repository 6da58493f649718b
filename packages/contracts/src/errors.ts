import { z } from 'zod';

/** Every error the API returns has this shape; `code` is stable, `message` is for people. */
export const ErrorEnvelope = z.object({
  error: z.object({
    code: z.string(),
    message: z.string(),
    details: z.unknown().optional(),
  }),
});
export type ErrorEnvelope = z.infer<typeof ErrorEnvelope>;

export const ERROR_CODES = [
  'VALIDATION_FAILED',
  'INVALID_JSON',
  'PAYLOAD_TOO_LARGE',
  'UNAUTHENTICATED',
  'TOKEN_EXPIRED',
  'SESSION_EXPIRED',
  'INVALID_CREDENTIALS',
  'ACCOUNT_LOCKED',
  'ACCOUNT_DISABLED',
  'PASSWORD_CHANGE_REQUIRED',
  'PASSWORD_POLICY',
  'REFRESH_TOKEN_REUSED',
  'FORBIDDEN',
  'FEATURE_DISABLED',
  'NOT_FOUND',
  'CONFLICT',
  'QUOTA_EXCEEDED',
  'RATE_LIMITED',
  'INVALID_STATE',
  'INVALID_FILE',
  'INVALID_QUERY',
  'SIGNATURE_REQUIRED',
  'INTERNAL',
] as const;
export type ErrorCode = (typeof ERROR_CODES)[number];

/** One problem with one field: `path` is dotted, e.g. `body.quotas.maxUsers`. */
export interface FieldIssue {
  path: string;
  message: string;
}
