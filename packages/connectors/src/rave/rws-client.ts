import type { RaveSourceConfig } from '@cdp/contracts';
import { ConnectorError } from '../types.ts';

/**
 * A Rave Web Services client: one GET at a time, authenticated with HTTP Basic (an RWS account)
 * or a bearer token, with a per-request timeout, retries with backoff on 5xx, 429 and network
 * failures (`Retry-After` honoured), and the caller's AbortSignal honoured throughout. Errors name
 * the request by its path (never the credentials) and quote the RWS error ODM's
 * `mdsol:ErrorDescription` when the server sent one.
 */
export interface RwsClientOptions {
  signal: AbortSignal;
  /** Attempts per request, the first included (default 4). */
  attempts?: number;
  /** First backoff in ms, doubled per retry (default 1,000). */
  backoffMs?: number;
  /** Longest wait honoured from a `Retry-After` (default 120 s). */
  maxRetryAfterMs?: number;
  log?: (level: 'info' | 'warn' | 'error', message: string) => void;
}

export interface RwsResponse {
  response: Response;
  /** What the request was, for messages: `GET /RaveWebServices/studies/X(Prod)/datasets/regular`. */
  request: string;
}

export class RwsClient {
  private readonly root: string;
  private readonly authorization: string;

  constructor(
    private readonly config: RaveSourceConfig,
    secret: string | null,
    private readonly options: RwsClientOptions,
  ) {
    this.root = `${config.baseUrl.replace(/\/+$/, '')}/RaveWebServices`;
    if (!secret) throw new ConnectorError('The Rave source has no password or token; set one and try again.');
    if (config.auth === 'bearer') this.authorization = `Bearer ${secret}`;
    else {
      if (!config.username) throw new ConnectorError('The Rave source has no username; set one and try again.');
      this.authorization = `Basic ${Buffer.from(`${config.username}:${secret}`).toString('base64')}`;
    }
  }

  /** An RWS path (below `/RaveWebServices/`) or an absolute URL from a `Link` header. */
  url(pathOrUrl: string): URL {
    if (/^https?:\/\//i.test(pathOrUrl)) {
      const url = new URL(pathOrUrl);
      // A Link header pointing elsewhere would take our credentials with it.
      if (url.origin !== new URL(this.root).origin) {
        throw new ConnectorError(`Rave returned a next-page link to another server (${url.origin}); refused.`);
      }
      return url;
    }
    return new URL(`${this.root}/${pathOrUrl.replace(/^\/+/, '')}`);
  }

  /** The request as messages name it: method and path with its query, never credentials. */
  describe(url: URL): string {
    return `GET ${url.pathname}${url.search}`;
  }

  /** GET with retries; resolves once the status is 2xx, with the body still unread (a stream). */
  async get(pathOrUrl: string): Promise<RwsResponse> {
    const url = this.url(pathOrUrl);
    const request = this.describe(url);
    const attempts = this.options.attempts ?? 4;
    const backoff = this.options.backoffMs ?? 1_000;
    for (let attempt = 1; ; attempt++) {
      this.throwIfAborted(request);
      let response: Response;
      try {
        response = await fetch(url, {
          headers: { authorization: this.authorization, accept: 'application/xml, text/xml, */*' },
          signal: this.requestSignal(),
          redirect: 'error',
        });
      } catch (error) {
        this.throwIfAborted(request);
        const reason = this.networkReason(error);
        if (attempt < attempts) {
          this.options.log?.('warn', `${request}: ${reason}; retrying (attempt ${attempt + 1} of ${attempts})`);
          await this.sleep(backoff * 2 ** (attempt - 1), request);
          continue;
        }
        throw new ConnectorError(`Rave request ${request} failed: ${reason}`, { request, retryable: true });
      }
      if (response.ok) return { response, request };
      const retryable = response.status >= 500 || response.status === 429;
      if (retryable && attempt < attempts) {
        await response.body?.cancel().catch(() => undefined);
        const wait = retryAfterMs(response.headers.get('retry-after')) ?? backoff * 2 ** (attempt - 1);
        const capped = Math.min(wait, this.options.maxRetryAfterMs ?? 120_000);
        this.options.log?.(
          'warn',
          `${request}: HTTP ${response.status}; retrying in ${Math.round(capped / 100) / 10} s (attempt ${attempt + 1} of ${attempts})`,
        );
        await this.sleep(capped, request);
        continue;
      }
      const description = await errorDescription(response);
      throw new ConnectorError(
        `Rave request ${request} failed: HTTP ${response.status}${statusMeaning(response.status)}${description ? ` — Rave says: "${description}"` : ''}`,
        { request, status: response.status, retryable },
      );
    }
  }

  /** The caller's signal combined with this request's timeout. */
  requestSignal(): AbortSignal {
    return AbortSignal.any([this.options.signal, AbortSignal.timeout(this.config.timeoutSeconds * 1_000)]);
  }

  throwIfAborted(request: string): void {
    if (this.options.signal.aborted) throw new ConnectorError(`The pull was cancelled during ${request}.`, { request });
  }

  /** Why a fetch or a body read failed, in words (a timeout names the configured limit). */
  networkReason(error: unknown): string {
    const e = error as { name?: string; message?: string; cause?: { code?: string; message?: string } };
    if (e?.name === 'TimeoutError') return `no answer within ${this.config.timeoutSeconds} s (the source's timeout)`;
    const code = e?.cause?.code;
    if (code === 'ENOTFOUND') return `unknown host ${new URL(this.root).hostname}`;
    if (code === 'ECONNREFUSED') return `connection refused by ${new URL(this.root).host}`;
    if (code === 'ECONNRESET' || code === 'UND_ERR_SOCKET') return 'the connection was cut off';
    return e?.cause?.message ?? e?.message ?? String(error);
  }

  private sleep(ms: number, request: string): Promise<void> {
    return new Promise((resolve, reject) => {
      const signal = this.options.signal;
      const done = () => {
        clearTimeout(timer);
        signal.removeEventListener('abort', onAbort);
      };
      const onAbort = () => {
        done();
        reject(new ConnectorError(`The pull was cancelled during ${request}.`, { request }));
      };
      const timer = setTimeout(() => {
        done();
        resolve();
      }, ms);
      signal.addEventListener('abort', onAbort, { once: true });
    });
  }
}

function statusMeaning(status: number): string {
  switch (status) {
    case 401:
      return ' (the username and password or token were refused)';
    case 403:
      return ' (the account may not see this)';
    case 404:
      return ' (not found: check the study, environment and URL)';
    case 429:
      return ' (too many requests)';
    default:
      return status >= 500 ? ' (a Rave server error)' : '';
  }
}

/** `Retry-After` as seconds or an HTTP date, in ms; undefined when absent or unreadable. */
export function retryAfterMs(header: string | null): number | undefined {
  if (!header) return undefined;
  const seconds = Number(header);
  if (Number.isFinite(seconds) && seconds >= 0) return seconds * 1_000;
  const date = Date.parse(header);
  return Number.isNaN(date) ? undefined : Math.max(0, date - Date.now());
}

/** The RWS error ODM's `mdsol:ErrorDescription` (or a short plain-text body), from the first 64 KB. */
async function errorDescription(response: Response): Promise<string | undefined> {
  let text = '';
  try {
    const reader = response.body?.getReader();
    if (!reader) return undefined;
    const decoder = new TextDecoder();
    while (text.length < 65_536) {
      const { done, value } = await reader.read();
      if (done) break;
      text += decoder.decode(value, { stream: true });
    }
    await reader.cancel().catch(() => undefined);
  } catch {
    return undefined;
  }
  return rwsErrorDescription(text) ?? (/^[^<]{1,300}$/.test(text.trim()) ? text.trim() : undefined);
}

/** `mdsol:ErrorDescription` of an RWS error response, unescaped. */
export function rwsErrorDescription(text: string): string | undefined {
  const match = /ErrorDescription\s*=\s*(?:"([^"]*)"|'([^']*)')/.exec(text);
  const raw = match?.[1] ?? match?.[2];
  return raw === undefined ? undefined : unescapeXml(raw).slice(0, 500);
}

function unescapeXml(text: string): string {
  return text
    .replace(/&lt;/g, '<')
    .replace(/&gt;/g, '>')
    .replace(/&quot;/g, '"')
    .replace(/&apos;/g, "'")
    .replace(/&#(\d+);/g, (_, d) => String.fromCodePoint(Number(d)))
    .replace(/&#x([0-9a-f]+);/gi, (_, h) => String.fromCodePoint(Number.parseInt(h, 16)))
    .replace(/&amp;/g, '&');
}

/** The `rel="next"` target of a `Link` header. */
export function nextLink(header: string | null): string | undefined {
  if (!header) return undefined;
  for (const part of header.split(/,(?=\s*<)/)) {
    const match = /<([^>]+)>\s*;(.*)$/.exec(part.trim());
    if (match?.[1] && /rel\s*=\s*"?next"?/i.test(match[2] ?? '')) return match[1];
  }
  return undefined;
}
