import type { ErrorCode } from '@cdp/contracts';
import type { SecurityEvent } from './security-log.ts';

/** Marks an error as a security event; `orgId` defaults to the platform's log. Never sent to the client. */
export type SecuritySignal = Omit<SecurityEvent, 'orgId'> & { orgId?: string };

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
  SIGNATURE_REQUIRED: 403,
  INTERNAL: 500,
};

/** A failure the client can act on: mapped to `{ error: { code, message, details } }`. */
export class AppError extends Error {
  readonly status: number;
  /** Set when answering this error is itself worth a line in the security log. */
  security?: SecuritySignal;

  constructor(
    readonly code: ErrorCode,
    message: string,
    readonly details?: unknown,
  ) {
    super(message);
    this.name = 'AppError';
    this.status = STATUS[code];
  }

  /** The same error, marked for the security log. */
  withSecurity(signal: SecuritySignal): this {
    this.security = signal;
    return this;
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
