import type { LoginResponse, MfaChallengeResponse } from '@cdp/contracts';
import { queryOptions } from '@tanstack/react-query';
import { api, publicApi } from '../../../lib/api-client.ts';

export interface MfaEnrolmentData {
  secret: string;
  otpauthUrl: string;
  qrDataUrl: string;
}

export type FirstStepAnswer = LoginResponse | MfaChallengeResponse;

export function isChallenge(answer: FirstStepAnswer): answer is MfaChallengeResponse {
  return 'challenge' in answer;
}

export function loginWithCode(challenge: string, code: string): Promise<LoginResponse> {
  return publicApi<LoginResponse>('/api/auth/login/mfa', { method: 'POST', body: { challenge, code } });
}

export function startLoginEnrolment(challenge: string): Promise<{ data: MfaEnrolmentData }> {
  return publicApi('/api/auth/login/mfa/enrol', { method: 'POST', body: { challenge } });
}

export function confirmLoginEnrolment(
  challenge: string,
  code: string,
): Promise<LoginResponse & { recoveryCodes: string[] }> {
  return publicApi('/api/auth/login/mfa/enrol/confirm', { method: 'POST', body: { challenge, code } });
}

export const mfaStatusQuery = queryOptions({
  queryKey: ['me', 'mfa'],
  queryFn: ({ signal }) =>
    api<{ data: { enabled: boolean; recoveryCodesLeft: number; required: boolean } }>('/api/me/mfa', { signal }),
});

export function startEnrolment(): Promise<{ data: MfaEnrolmentData }> {
  return api('/api/me/mfa/enrol', { method: 'POST', body: {} });
}

export function confirmEnrolment(code: string): Promise<{ data: { recoveryCodes: string[] } }> {
  return api('/api/me/mfa/confirm', { method: 'POST', body: { code } });
}

export function disableMfa(password: string, code: string): Promise<{ ok: true }> {
  return api('/api/me/mfa/disable', { method: 'POST', body: { password, code } });
}

export function resetUserMfa(userId: string, reason: string): Promise<{ ok: true }> {
  return api(`/api/users/${userId}/mfa/reset`, { method: 'POST', body: { reason } });
}
