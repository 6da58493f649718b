import type { LoginResponse } from '@cdp/contracts';
import { ApiError, apiErrorFrom, NETWORK_ERROR_MESSAGE } from './api-error.ts';
import { dropEarlyRequests, takeEarlyRefresh } from './early-requests.ts';

/**
 * The browser session. The access token lives in memory only; the refresh token is an httpOnly
 * cookie the page never sees. A reload restores the session by calling /api/auth/refresh.
 */
export type SessionStatus = 'restoring' | 'signed-in' | 'signed-out';

export interface SessionState {
  status: SessionStatus;
  /** Why the user was sent to the sign-in page (expired session, account disabled, …). */
  notice: string | null;
}

export type SessionEvent =
  /** `explicit`: the user signed out; otherwise the session ended and they should come back here. */
  { type: 'signed-out'; explicit: boolean } | { type: 'password-change-required' };

let accessToken: string | null = null;
let state: SessionState = { status: 'restoring', notice: null };
const stateListeners = new Set<() => void>();
const eventListeners = new Set<(event: SessionEvent) => void>();
let lastActivity = Date.now();

// Other tabs learn about a sign-out so they do not keep showing data of an ended session.
const channel = typeof BroadcastChannel === 'undefined' ? null : new BroadcastChannel('cdp-session');
channel?.addEventListener('message', (event) => {
  if (event.data === 'signed-out' && state.status === 'signed-in') {
    endSession('You signed out in another tab.', { broadcast: false, explicit: true });
  }
});

function setState(next: SessionState) {
  state = next;
  for (const listener of stateListeners) listener();
}

export const session = {
  getToken: () => accessToken,
  getState: () => state,
  subscribe(listener: () => void) {
    stateListeners.add(listener);
    return () => {
      stateListeners.delete(listener);
    };
  },
  onEvent(listener: (event: SessionEvent) => void) {
    eventListeners.add(listener);
    return () => {
      eventListeners.delete(listener);
    };
  },
  /** Time of the last request the server counted as activity (for the idle warning). */
  lastActivity: () => lastActivity,
  touch() {
    lastActivity = Date.now();
  },
  signIn(response: LoginResponse) {
    accessToken = response.accessToken;
    lastActivity = Date.now();
    setState({ status: 'signed-in', notice: null });
  },
  clearNotice() {
    if (state.notice) setState({ ...state, notice: null });
  },
  requirePasswordChange() {
    for (const listener of eventListeners) listener({ type: 'password-change-required' });
  },
};

/** Forgets the session locally and tells the app to show the sign-in page (with `notice`, if any). */
export function endSession(notice: string | null, options: { explicit?: boolean; broadcast?: boolean } = {}) {
  const wasSignedIn = state.status === 'signed-in';
  accessToken = null;
  dropEarlyRequests();
  setState({ status: 'signed-out', notice });
  if ((options.broadcast ?? true) && wasSignedIn) channel?.postMessage('signed-out');
  for (const listener of eventListeners) listener({ type: 'signed-out', explicit: options.explicit ?? false });
}

let inflight: Promise<string> | null = null;

/**
 * Exchanges the refresh cookie for a new access token. A refresh token presented twice ends the
 * whole session on the server, so refreshes are serialized: one at a time in this tab, and one at
 * a time across tabs with a Web Lock (the cookie is shared, so the next tab sends the rotated one).
 */
export function refreshAccessToken(): Promise<string> {
  inflight ??= runExclusively(requestRefresh).finally(() => {
    inflight = null;
  });
  return inflight;
}

function runExclusively<T>(task: () => Promise<T>): Promise<T> {
  if (typeof navigator !== 'undefined' && navigator.locks) {
    return navigator.locks.request('cdp-refresh', task) as Promise<T>;
  }
  return task();
}

const refreshRequest = () => fetch('/api/auth/refresh', { method: 'POST', credentials: 'same-origin' });

/** `early`: the refresh the page started before the bundle ran (under the same Web Lock). */
async function requestRefresh(early?: Promise<Response>): Promise<string> {
  let response: Response;
  try {
    response = await (early ?? refreshRequest());
  } catch {
    throw new ApiError(0, 'NETWORK', NETWORK_ERROR_MESSAGE);
  }
  if (!response.ok) throw await apiErrorFrom(response);
  const body = (await response.json()) as LoginResponse;
  session.signIn(body);
  return body.accessToken;
}

/** Codes after which the session cannot continue: the user must sign in again. */
export const SESSION_ENDING_CODES = new Set([
  'SESSION_EXPIRED',
  'REFRESH_TOKEN_REUSED',
  'UNAUTHENTICATED',
  'ACCOUNT_DISABLED',
  'TOKEN_EXPIRED',
]);

/** Set by the server beside the httpOnly refresh cookie; it carries no secret. */
function mayHaveSession(): boolean {
  return typeof document === 'undefined' || /(?:^|;\s*)cdp_signed_in=1(?:;|$)/.test(document.cookie);
}

/** Restores a session from the refresh cookie once, when the app loads. */
export const sessionRestored: Promise<void> = (async () => {
  if (!mayHaveSession()) {
    setState({ status: 'signed-out', notice: null });
    return;
  }
  try {
    // Started by the page's first script, while the bundle loaded: taken instead of asking again.
    const early = takeEarlyRefresh();
    if (early) {
      // No answer from it (its worker failed before the refresh was answered): ask as usual.
      inflight = requestRefresh(early.catch(() => runExclusively(refreshRequest))).finally(() => {
        inflight = null;
      });
      await inflight;
    } else {
      await refreshAccessToken();
    }
  } catch (error) {
    // No cookie at all is the normal signed-out case and needs no explanation.
    const quiet = !(error instanceof ApiError) || error.code === 'UNAUTHENTICATED';
    accessToken = null;
    setState({ status: 'signed-out', notice: quiet ? null : error.message });
  }
})();
