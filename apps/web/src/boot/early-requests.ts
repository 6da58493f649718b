/**
 * Runs before the app's bundle (a script of its own, first in index.html, importing nothing): a
 * page opened by its address restores the session, then asks for what its first screen will ask
 * for, while the browser is still loading and evaluating the app's ~2 MB of JavaScript. Without it
 * those requests leave only once the bundle has run, and the server's work waits behind the
 * browser's.
 *
 * The requests run in a worker started from this same file: the page's main thread is busy
 * evaluating the bundle in one long task, and a request made from it could neither start nor
 * follow up on the refresh's answer until that task ends.
 *
 * The app takes each response once (`lib/early-requests.ts`): the refresh in place of its own
 * (`sessionRestored`), the others in place of a GET to the very same address with the very same
 * token. Anything it does not take soon is dropped. The refresh holds the Web Lock the app's
 * refreshes hold, so a refresh token is never presented twice. This file shares no code with the
 * app (a type at most): an import would make it wait for the bundle it is meant to run before.
 */

export interface EarlyRequests {
  startedAt: number;
  /** `POST /api/auth/refresh`, or null when the browser has no session cookie. */
  refresh: Promise<Response> | null;
  /** The access token the requests below were sent with (once the refresh answered). */
  token: string | null;
  /** By `${accept} ${url}`. */
  responses: Map<string, Promise<Response>>;
}

/** Worker → page: an answer, its body transferred as a stream. */
interface EarlyAnswer {
  key: string;
  status: number;
  contentType: string | null;
  body: ReadableStream<Uint8Array> | null;
  /** The request failed (no network): the app asks again. */
  failed?: true;
}

/** What the worker uses of its global scope (the DOM library has no worker types). */
interface WorkerScope {
  navigator: Navigator;
  postMessage(message: unknown, transfer: Transferable[]): void;
  onmessage: ((event: MessageEvent<{ pathname: string; search: string }>) => void) | null;
}

const REFRESH = 'refresh';
const JSON_TYPE = 'application/json';
const NDJSON_TYPE = 'application/x-ndjson';
const DASHBOARD_PATH = /^\/studies\/([A-Za-z0-9_-]{1,64})\/dashboards\/([A-Za-z0-9_-]{1,64})\/?$/;
const PAGE_ID = /^[A-Za-z0-9_-]{1,64}$/;

declare global {
  interface Window {
    __cdpEarly?: EarlyRequests;
  }
}

/** What the app's first screen of this address asks for (addresses written as `apiUrl` writes them). */
function firstRequests(pathname: string, search: string): Array<[accept: string, url: string]> {
  const wanted: Array<[string, string]> = [[JSON_TYPE, '/api/me']];
  const match = DASHBOARD_PATH.exec(pathname);
  if (!match) return wanted;
  const [, studyId, dashboardId] = match;
  const dashboard = `/api/studies/${studyId}/dashboards/${dashboardId}`;
  wanted.push([JSON_TYPE, `/api/studies/${studyId}`], [JSON_TYPE, dashboard], [JSON_TYPE, '/api/widget-types']);
  // The page's data as `startPageData` asks for it: the filters as JSON, then the page.
  const params = new URLSearchParams(search);
  // Choices made on widgets (`wo`) go in the app's own page request, written by its code.
  if (params.has('wo')) return wanted;
  const query = new URLSearchParams();
  const filters = parseJson(params.get('f'));
  if (Array.isArray(filters) && filters.length > 0) query.set('filters', JSON.stringify(filters));
  const page = parseJson(params.get('page'));
  if (typeof page === 'string' && PAGE_ID.test(page)) query.set('page', page);
  const text = query.toString();
  wanted.push([NDJSON_TYPE, `${dashboard}/data${text ? `?${text}` : ''}`]);
  return wanted;
}

/** A search value as the router reads it: JSON when it parses, else the text itself. */
function parseJson(raw: string | null): unknown {
  if (raw === null) return undefined;
  try {
    return JSON.parse(raw) as unknown;
  } catch {
    return raw;
  }
}

/** In the worker: the refresh, then the first requests with its token, each answer posted back. */
async function fetchInWorker(scope: WorkerScope, pathname: string, search: string) {
  // A body is piped through a stream transferred to the page. The worker stays until the page
  // goes: closed while a body is still on its way, it would cut it.
  const post = async (key: string, response: Response) => {
    const pipe = response.body ? new TransformStream<Uint8Array, Uint8Array>() : null;
    const answer: EarlyAnswer = {
      key,
      status: response.status,
      contentType: response.headers.get('content-type'),
      body: pipe?.readable ?? null,
    };
    scope.postMessage(answer, pipe ? [pipe.readable] : []);
    if (response.body && pipe) await response.body.pipeTo(pipe.writable).catch(() => undefined);
  };
  const failed = (key: string) =>
    scope.postMessage({ key, status: 0, contentType: null, body: null, failed: true }, []);
  const refresh = () => fetch('/api/auth/refresh', { method: 'POST', credentials: 'same-origin' });
  let response: Response;
  try {
    response = await (scope.navigator.locks ? scope.navigator.locks.request('cdp-refresh', refresh) : refresh());
  } catch {
    failed(REFRESH);
    return;
  }
  const copy = response.clone();
  const done = [post(REFRESH, response)];
  const token = response.ok
    ? ((await copy.json().catch(() => null)) as { accessToken?: unknown } | null)?.accessToken
    : null;
  if (typeof token === 'string') {
    for (const [accept, url] of firstRequests(pathname, search)) {
      const key = `${accept} ${url}`;
      const request = fetch(url, { headers: { accept, authorization: `Bearer ${token}` }, credentials: 'same-origin' });
      done.push(
        request.then(
          (answer) => post(key, answer),
          () => failed(key),
        ),
      );
    }
  }
  await Promise.all(done);
}

/** In the page: starts the worker and keeps a promise per answer for the app to take. */
function startInPage(): EarlyRequests {
  const early: EarlyRequests = { startedAt: Date.now(), refresh: null, token: null, responses: new Map() };
  // Set by the server beside the httpOnly refresh cookie; without it there is no session to restore.
  if (!/(?:^|;\s*)cdp_signed_in=1(?:;|$)/.test(document.cookie) || typeof Worker === 'undefined') return early;
  const worker = new Worker(import.meta.url, { type: 'module', name: 'cdp-early-requests' });
  const settle = new Map<string, { resolve: (r: Response) => void; reject: (e: unknown) => void }>();
  const expect = (key: string) => {
    const promise = new Promise<Response>((resolve, reject) => {
      settle.set(key, { resolve, reject });
    });
    // Nobody may take it: a failure must not surface as an unhandled rejection.
    promise.catch(() => undefined);
    return promise;
  };
  const stop = (reason: string) => {
    for (const pending of settle.values()) pending.reject(new Error(reason));
    settle.clear();
    early.responses.clear();
    worker.terminate();
  };
  early.refresh = expect(REFRESH);
  for (const [accept, url] of firstRequests(location.pathname, location.search)) {
    const key = `${accept} ${url}`;
    early.responses.set(key, expect(key));
  }
  worker.postMessage({ pathname: location.pathname, search: location.search });
  worker.onmessage = async ({ data }: MessageEvent<EarlyAnswer>) => {
    const pending = settle.get(data.key);
    if (!pending) return;
    settle.delete(data.key);
    let response: Response;
    try {
      if (data.failed) throw new Error(`${data.key}: no answer`);
      response = new Response(data.body, {
        status: data.status,
        headers: data.contentType ? { 'content-type': data.contentType } : {},
      });
    } catch (error) {
      pending.reject(error);
      if (data.key === REFRESH) stop('no session');
      return;
    }
    if (data.key === REFRESH) {
      // The token is known before the app sees the refresh, so its first requests find the answers.
      const token = response.ok
        ? (
            (await response
              .clone()
              .json()
              .catch(() => null)) as { accessToken?: unknown } | null
          )?.accessToken
        : null;
      pending.resolve(response);
      // No session: the other requests were never sent.
      if (typeof token === 'string') early.token = token;
      else stop('no session');
    } else {
      pending.resolve(response);
    }
  };
  worker.onerror = () => stop('the early requests stopped');
  return early;
}

if (typeof window === 'undefined') {
  const scope = self as unknown as WorkerScope;
  scope.onmessage = ({ data }) => {
    scope.onmessage = null;
    void fetchInWorker(scope, data.pathname, data.search);
  };
} else {
  window.__cdpEarly = startInPage();
}
