import { ApiError, apiErrorFrom, NETWORK_ERROR_MESSAGE } from './api-error.ts';
import { takeEarlyResponse } from './early-requests.ts';
import { endSession, refreshAccessToken, SESSION_ENDING_CODES, session } from './session.ts';

type QueryValue = string | number | boolean | null | undefined;

export interface RequestOptions {
  method?: 'GET' | 'POST' | 'PATCH' | 'PUT' | 'DELETE';
  body?: unknown;
  query?: Record<string, QueryValue>;
  signal?: AbortSignal;
  /** The media type asked for; JSON by default. */
  accept?: string;
}

/** `/api/x` plus the query parameters that have a value. */
export function apiUrl(path: string, query?: Record<string, QueryValue>): string {
  const params = new URLSearchParams();
  for (const [key, value] of Object.entries(query ?? {})) {
    if (value !== undefined && value !== null && value !== '') params.set(key, String(value));
  }
  const search = params.toString();
  return search ? `${path}?${search}` : path;
}

async function send(path: string, options: RequestOptions, token: string | null): Promise<Response> {
  const accept = options.accept ?? 'application/json';
  const headers: Record<string, string> = { accept };
  if (token) headers.authorization = `Bearer ${token}`;
  if (options.body !== undefined) headers['content-type'] = 'application/json';
  const url = apiUrl(path, options.query);
  const method = options.method ?? 'GET';
  // The same GET started before the bundle ran (boot/early-requests.ts), with this token: taken once.
  const early = method === 'GET' && options.body === undefined ? takeEarlyResponse(url, accept, token) : null;
  try {
    return await (early ??
      fetch(url, {
        method,
        headers,
        body: options.body === undefined ? undefined : JSON.stringify(options.body),
        credentials: 'same-origin',
        signal: options.signal,
      }));
  } catch (error) {
    if (error instanceof DOMException && error.name === 'AbortError') throw error;
    throw new ApiError(0, 'NETWORK', NETWORK_ERROR_MESSAGE);
  }
}

/**
 * An authenticated request. An expired access token is refreshed once and the request retried;
 * an ended session sends the user to the sign-in page with the server's explanation.
 */
export async function apiResponse(path: string, options: RequestOptions = {}): Promise<Response> {
  const token = session.getToken();
  let response = await send(path, options, token);
  if (response.status === 401) {
    const error = await apiErrorFrom(response.clone());
    if (error.code === 'TOKEN_EXPIRED') {
      // Another request may already have refreshed while this one was in flight.
      const current = session.getToken();
      let next: string;
      try {
        next = current && current !== token ? current : await refreshAccessToken();
      } catch (refreshError) {
        const message = refreshError instanceof ApiError ? refreshError.message : null;
        if (refreshError instanceof ApiError && refreshError.code === 'NETWORK') throw refreshError;
        if (session.getState().status === 'signed-in') endSession(message);
        throw refreshError;
      }
      response = await send(path, options, next);
    }
  }
  if (!response.ok) {
    const error = await apiErrorFrom(response);
    const ending = response.status === 401 || error.code === 'ACCOUNT_DISABLED';
    if (SESSION_ENDING_CODES.has(error.code) && ending && session.getState().status === 'signed-in') {
      endSession(error.code === 'UNAUTHENTICATED' ? 'Your session has ended. Sign in again.' : error.message);
    } else if (error.code === 'PASSWORD_CHANGE_REQUIRED') {
      session.requirePasswordChange();
    }
    throw error;
  }
  session.touch();
  return response;
}

/** An authenticated JSON request. */
export async function api<T>(path: string, options: RequestOptions = {}): Promise<T> {
  const response = await apiResponse(path, options);
  return (await response.json()) as T;
}

/** Downloads an authenticated file (a plain link would lack the Authorization header). */
export async function downloadFile(path: string, query: Record<string, QueryValue>, fallbackName: string) {
  const response = await apiResponse(path, { query });
  const disposition = response.headers.get('content-disposition') ?? '';
  const name = /filename="?([^";]+)"?/.exec(disposition)?.[1] ?? fallbackName;
  const url = URL.createObjectURL(await response.blob());
  const link = document.createElement('a');
  link.href = url;
  link.download = name;
  document.body.append(link);
  link.click();
  link.remove();
  setTimeout(() => URL.revokeObjectURL(url), 10_000);
  return name;
}

/** Calls that need no session (sign-in) or must not trigger the refresh logic. */
export async function publicApi<T>(path: string, options: RequestOptions = {}): Promise<T> {
  const response = await send(path, options, options.method === 'POST' ? session.getToken() : null);
  if (!response.ok) throw await apiErrorFrom(response);
  return (await response.json()) as T;
}
