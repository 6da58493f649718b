import type {
  ChangePasswordRequest,
  LoginRequest,
  LoginResponse,
  MeResponse,
  MfaChallengeResponse,
  SessionUser,
} from '@cdp/contracts';
import { queryOptions } from '@tanstack/react-query';
import { api, publicApi } from '../../../lib/api-client.ts';
import { session } from '../../../lib/session.ts';

export const meQuery = queryOptions({
  queryKey: ['me'],
  queryFn: ({ signal }) => api<MeResponse>('/api/me', { signal }),
  staleTime: 60_000,
});

/** The first step: a session, or the second factor (or its enrolment) to complete first. */
export function login(body: LoginRequest): Promise<LoginResponse | MfaChallengeResponse> {
  return publicApi<LoginResponse | MfaChallengeResponse>('/api/auth/login', { method: 'POST', body });
}

export function changePassword(body: ChangePasswordRequest): Promise<{ user: SessionUser }> {
  return api<{ user: SessionUser }>('/api/auth/change-password', { method: 'POST', body });
}

/** Ends the session on the server (cookie and, as a fallback, the bearer token name it). */
export async function logout(): Promise<void> {
  const token = session.getToken();
  await fetch('/api/auth/logout', {
    method: 'POST',
    credentials: 'same-origin',
    headers: token ? { authorization: `Bearer ${token}` } : {},
  }).catch(() => undefined);
}
