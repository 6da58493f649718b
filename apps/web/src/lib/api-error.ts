import type { FieldIssue } from '@cdp/contracts';

/** A failed API call, carrying the `{ error: { code, message, details } }` the server sent. */
export class ApiError extends Error {
  constructor(
    readonly status: number,
    readonly code: string,
    message: string,
    readonly details?: unknown,
  ) {
    super(message);
    this.name = 'ApiError';
  }

  /** Field problems (`details.issues`), as the server's validation and policy errors report them. */
  get issues(): FieldIssue[] {
    const issues = (this.details as { issues?: unknown } | undefined)?.issues;
    if (!Array.isArray(issues)) return [];
    return issues.filter((i): i is FieldIssue => typeof i?.path === 'string' && typeof i?.message === 'string');
  }
}

export function isApiError(error: unknown, code?: string): error is ApiError {
  return error instanceof ApiError && (code === undefined || error.code === code);
}

/** A sentence to show a person for any thrown value. */
export function errorMessage(error: unknown): string {
  if (error instanceof ApiError) return error.message;
  if (error instanceof Error && error.message) return error.message;
  return 'Something went wrong. Try again.';
}

/** Builds an ApiError from a response that is not 2xx, whatever its body. */
export async function apiErrorFrom(response: Response): Promise<ApiError> {
  const body: unknown = await response.json().catch(() => null);
  const error = (body as { error?: { code?: unknown; message?: unknown; details?: unknown } } | null)?.error;
  if (error && typeof error.code === 'string' && typeof error.message === 'string') {
    return new ApiError(response.status, error.code, error.message, error.details);
  }
  if (response.status === 429) {
    return new ApiError(429, 'RATE_LIMITED', 'Too many requests. Wait a moment and try again.');
  }
  return new ApiError(
    response.status,
    response.status >= 500 ? 'INTERNAL' : 'HTTP_ERROR',
    response.status >= 500
      ? 'The server ran into a problem. Try again in a moment.'
      : `The server answered ${response.status} ${response.statusText}.`,
  );
}

export const NETWORK_ERROR_MESSAGE = 'Cannot reach the CDP server. Check your connection and try again.';
