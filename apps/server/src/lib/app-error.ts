import type { ErrorCode } from '@cdp/contracts';

const STATUS: Record<ErrorCode, number> = {
  VALIDATION_FAILED: 400,
  INVALID_JSON: 400,
  PAYLOAD_TOO_LARGE: 413,
  UNAUTHENTICATED: 401,
  TOKEN_EXPIRED: 401,
  SESSION_EXPIRED: 401,
  INVALID_CREDENTIALS: 401,
  ACCOUNT_LOCKED: 423,
  ACCOUNT_DISABLED: 403,
  PASSWORD_CHANGE_REQUIRED: 403,
  PASSWORD_POLICY: 400,
  REFRESH_TOKEN_REUSED: 401,
  FORBIDDEN: 403,
  FEATURE_DISABLED: 403,
  NOT_FOUND: 404,
  CONFLICT: 409,
  QUOTA_EXCEEDED: 409,
  RATE_LIMITED: 429,
  INVALID_STATE: 409,
  INVALID_FILE: 422,
  INVALID_QUERY: 400,
  INTERNAL: 500,
};

/** A failure the client can act on: mapped to `{ error: { code, message, details } }`. */
export class AppError extends Error {
  readonly status: number;

  constructor(
    readonly code: ErrorCode,
    message: string,
    readonly details?: unknown,
  ) {
    super(message);
    this.name = 'AppError';
    this.status = STATUS[code];
  }
}

export function notFound(resource: string): AppError {
  return new AppError('NOT_FOUND', `${resource} not found.`);
}

export function forbidden(permission: string): AppError {
  return new AppError('FORBIDDEN', `You need the permission ${permission} for this.`, {
    missingPermission: permission,
  });
}

/** PostgreSQL unique_violation, so commands can turn it into a 409 naming the field. */
export function isUniqueViolation(error: unknown, constraint?: string): boolean {
  const e = (error as { cause?: unknown })?.cause ?? error;
  const pgError = e as { code?: string; constraint?: string };
  return pgError?.code === '23505' && (constraint === undefined || pgError.constraint === constraint);
}
