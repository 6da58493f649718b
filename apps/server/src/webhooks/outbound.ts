import { lookup as dnsLookup, type LookupAddress } from 'node:dns';
import http from 'node:http';
import https from 'node:https';
import { isIP, type LookupFunction } from 'node:net';
import { isForbiddenAddress } from './address-guard.ts';

export interface OutboundPolicy {
  /** Tests and closed networks: plain HTTP and private, loopback and link-local addresses allowed. */
  allowPrivate: boolean;
  timeoutMs: number;
}

export interface OutboundResult {
  /** A 2xx answer. */
  ok: boolean;
  statusCode: number | null;
  latencyMs: number;
  /** The first characters of the answer's body. */
  responseExcerpt: string | null;
  /** Why the attempt did not count, when it did not get a 2xx. */
  error: string | null;
}

const EXCERPT_CHARS = 1000;
/** Read at most this much of an answer, then hang up: a receiver cannot make us download a film. */
const READ_LIMIT_BYTES = 64 * 1024;

/** Why a URL may not be called; thrown before any connection and named in the delivery log. */
export class RefusedDestination extends Error {}

/** Checks the URL itself (scheme, credentials, literal addresses); names are checked once resolved. */
export function refuseUrl(raw: string, policy: Pick<OutboundPolicy, 'allowPrivate'>): string | null {
  let url: URL;
  try {
    url = new URL(raw);
  } catch {
    return 'not a valid URL';
  }
  if (url.protocol !== 'https:' && url.protocol !== 'http:')
    return `scheme ${url.protocol} is not allowed: use https://`;
  if (url.protocol === 'http:' && !policy.allowPrivate) return 'plain HTTP is not allowed: use https://';
  if (url.username || url.password) return 'credentials in the URL are not allowed: put them in the path or query';
  const host = url.hostname.replace(/^\[|\]$/g, '');
  if (isIP(host) !== 0 && !policy.allowPrivate && isForbiddenAddress(host)) {
    return `address ${host} is private, loopback or link-local`;
  }
  return null;
}

/**
 * Resolves the name and refuses it when any of its addresses is forbidden. The connection uses the
 * addresses checked here (the lookup is the socket's own), so a second resolution that answers
 * differently (DNS rebinding) never happens.
 */
function guardedLookup(allowPrivate: boolean): LookupFunction {
  return (hostname, options, callback) => {
    dnsLookup(hostname, { family: options.family ?? 0, all: true }, (error, addresses: LookupAddress[]) => {
      if (error) return callback(error, '', 4);
      const bad = addresses.find((a) => isForbiddenAddress(a.address));
      if (!allowPrivate && bad) {
        return callback(
          new RefusedDestination(`${hostname} resolves to ${bad.address}, a private, loopback or link-local address`),
          '',
          4,
        );
      }
      if (options.all) return (callback as unknown as (e: null, a: LookupAddress[]) => void)(null, addresses);
      const first = addresses[0];
      if (!first) return callback(new Error(`${hostname} has no address`), '', 4);
      callback(null, first.address, first.family);
    });
  };
}

/**
 * POSTs a JSON body with a time limit, never following a redirect, and reports what happened. It
 * never throws: every outcome is a row in the delivery log.
 */
export async function postJson(
  rawUrl: string,
  body: string,
  headers: Record<string, string>,
  policy: OutboundPolicy,
): Promise<OutboundResult> {
  const started = performance.now();
  const elapsed = () => Math.round(performance.now() - started);
  const refused = refuseUrl(rawUrl, policy);
  if (refused)
    return { ok: false, statusCode: null, latencyMs: 0, responseExcerpt: null, error: `refused: ${refused}` };
  const url = new URL(rawUrl);
  const client = url.protocol === 'https:' ? https : http;

  return new Promise<OutboundResult>((resolve) => {
    let settled = false;
    const finish = (result: Omit<OutboundResult, 'latencyMs'>) => {
      if (settled) return;
      settled = true;
      clearTimeout(timer);
      resolve({ ...result, latencyMs: elapsed() });
    };
    const request = client.request(
      url,
      {
        method: 'POST',
        headers: { 'content-type': 'application/json', 'content-length': Buffer.byteLength(body), ...headers },
        lookup: guardedLookup(policy.allowPrivate),
        // One connection per delivery: a pooled socket could outlive the address check it passed.
        agent: false,
      },
      (response) => {
        const chunks: Buffer[] = [];
        let size = 0;
        const done = () => {
          const text = Buffer.concat(chunks).toString('utf8').slice(0, EXCERPT_CHARS);
          const status = response.statusCode ?? 0;
          const ok = status >= 200 && status < 300;
          let error: string | null = null;
          if (status >= 300 && status < 400) {
            error = `redirect (HTTP ${status}${response.headers.location ? ` to ${response.headers.location}` : ''}) not followed`;
          } else if (!ok) {
            error = `HTTP ${status}`;
          }
          finish({ ok, statusCode: status, responseExcerpt: text || null, error });
        };
        response.on('data', (chunk: Buffer) => {
          if (size >= READ_LIMIT_BYTES) return;
          chunks.push(chunk);
          size += chunk.length;
          if (size >= READ_LIMIT_BYTES) {
            response.destroy();
            done();
          }
        });
        response.on('end', done);
        response.on('error', done);
      },
    );
    const timer = setTimeout(() => {
      request.destroy();
      finish({
        ok: false,
        statusCode: null,
        responseExcerpt: null,
        error: `timed out after ${policy.timeoutMs} ms`,
      });
    }, policy.timeoutMs);
    request.on('error', (error) => {
      const message = error instanceof RefusedDestination ? `refused: ${error.message}` : error.message;
      finish({ ok: false, statusCode: null, responseExcerpt: null, error: message.slice(0, 500) });
    });
    request.end(body);
  });
}
