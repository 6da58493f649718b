import type { EarlyRequests } from '../boot/early-requests.ts';

/**
 * The requests `boot/early-requests.ts` started before the bundle ran, taken from the page once
 * (nothing else can read them afterwards). Each response is handed out at most once, and only in
 * the first seconds of the page: a later request wants fresh data.
 */
let early: EarlyRequests | null = typeof window === 'undefined' ? null : (window.__cdpEarly ?? null);
if (typeof window !== 'undefined') delete window.__cdpEarly;

const TTL_MS = 10_000;

const fresh = () => early !== null && Date.now() - early.startedAt < TTL_MS;

/** Each response taken leaves a `cdp-early <key>` mark (the e2e checks the page used them). */
function taken(key: string) {
  if (typeof performance !== 'undefined') performance.mark(`cdp-early ${key}`);
}

/** For tests: the requests as the boot script leaves them. */
export function adoptEarlyRequests(requests: EarlyRequests | null): void {
  early = requests;
}

/** The session refresh the page started, once, or null (the app then refreshes itself). */
export function takeEarlyRefresh(): Promise<Response> | null {
  if (!early || !fresh()) return null;
  const refresh = early.refresh;
  early.refresh = null;
  if (refresh) taken('refresh');
  return refresh;
}

/**
 * The early response to `GET url` with this `accept`, once, when it was sent with the token the
 * app now holds (a session ended and begun again in between gets nothing), or null.
 */
export function takeEarlyResponse(url: string, accept: string, token: string | null): Promise<Response> | null {
  if (!early || !token || early.token !== token || !fresh()) return null;
  const key = `${accept} ${url}`;
  const response = early.responses.get(key) ?? null;
  early.responses.delete(key);
  if (response) taken(key);
  return response;
}

/** Forgets whatever was not taken (the session ended). */
export function dropEarlyRequests(): void {
  if (!early) return;
  early.refresh = null;
  early.responses.clear();
}
