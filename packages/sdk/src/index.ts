import createClient, { type Client, type Middleware } from 'openapi-fetch';
import type { components, paths } from './openapi.ts';

export type { components, paths };
/** A response body of the API by its component name, e.g. `Schema<'…'>`; most are inline: use `paths`. */
export type CdpPaths = paths;

export interface CdpClientOptions {
  /** Where the server is, e.g. `https://cdp.example.com` (no trailing `/api`). */
  baseUrl: string;
  /** An access token from `POST /api/auth/login`, sent as `Authorization: Bearer …`. */
  token?: string | (() => string | undefined);
  /** An API key (`cdp_…`), sent as `X-API-Key`. */
  apiKey?: string;
  /** A fetch of your own (tests, proxies). */
  fetch?: typeof globalThis.fetch;
}

export type CdpClient = Client<paths>;

/**
 * A typed client: every path, parameter, body and answer of the CDP API is checked by TypeScript.
 *
 * ```ts
 * const cdp = createCdpClient({ baseUrl: 'https://cdp.example.com', apiKey: process.env.CDP_API_KEY });
 * const { data, error } = await cdp.GET('/api/studies');
 * ```
 * Errors come back as `error` (`{ error: { code, message, details } }`), never thrown.
 */
export function createCdpClient(options: CdpClientOptions): CdpClient {
  const client = createClient<paths>({
    baseUrl: options.baseUrl.replace(/\/$/, ''),
    ...(options.fetch ? { fetch: options.fetch } : {}),
  });
  const auth: Middleware = {
    onRequest({ request }) {
      const token = typeof options.token === 'function' ? options.token() : options.token;
      if (token) request.headers.set('authorization', `Bearer ${token}`);
      if (options.apiKey) request.headers.set('x-api-key', options.apiKey);
      return request;
    },
  };
  client.use(auth);
  return client;
}

/** For `multipart/form-data` uploads: `cdp.POST('/api/studies/{id}/uploads', { body, bodySerializer: asFormData })`. */
export function asFormData(body: { file: Blob }, fileName = 'upload'): FormData {
  const form = new FormData();
  form.append('file', body.file, fileName);
  return form;
}
