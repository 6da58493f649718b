/**
 * What the generated OpenAPI document needs beyond the routes' zod schemas: the two ways to
 * authenticate, the error envelope every route answers with, and examples of it. Kept apart from
 * the plugin so the Postman collection and the SDK generator read the same document.
 */

type Json = Record<string, unknown>;

export const ERROR_ENVELOPE_SCHEMA = {
  type: 'object',
  required: ['error'],
  properties: {
    error: {
      type: 'object',
      required: ['code', 'message'],
      properties: {
        code: { type: 'string', description: 'A stable code, e.g. VALIDATION_FAILED, NOT_FOUND, FORBIDDEN' },
        message: { type: 'string', description: 'What went wrong and what to do, for a person' },
        details: {
          description: 'Machine-readable detail: `issues` (path + message per field), `missingPermission`, …',
        },
      },
    },
  },
};

const ERRORS: Record<string, { name: string; description: string; example: Json }> = {
  '400': {
    name: 'BadRequest',
    description: 'The request is not valid; `details.issues` names each field',
    example: {
      error: {
        code: 'VALIDATION_FAILED',
        message: 'body.url: Enter a full URL, e.g. https://example.com/hooks/cdp.',
        details: { issues: [{ path: 'body.url', message: 'Enter a full URL, e.g. https://example.com/hooks/cdp.' }] },
      },
    },
  },
  '401': {
    name: 'Unauthorized',
    description: 'No credentials, or a wrong, expired or revoked token or key',
    example: {
      error: {
        code: 'UNAUTHENTICATED',
        message: 'Sign in first: send an access token as "Authorization: Bearer <token>".',
      },
    },
  },
  '403': {
    name: 'Forbidden',
    description: 'Authenticated, but missing the permission (named in `details.missingPermission`)',
    example: {
      error: {
        code: 'FORBIDDEN',
        message: 'You need the permission organization:manage:own for this.',
        details: { missingPermission: 'organization:manage:own' },
      },
    },
  },
  '404': {
    name: 'NotFound',
    description: 'No such resource in your organization (another organization’s resources answer this too)',
    example: { error: { code: 'NOT_FOUND', message: 'Study not found.' } },
  },
  '429': {
    name: 'TooManyRequests',
    description: 'Over a rate limit; wait as `Retry-After` says',
    example: { error: { code: 'RATE_LIMITED', message: 'Too many requests. Wait a moment and try again.' } },
  },
};

export const SECURITY_SCHEMES = {
  bearer: {
    type: 'http',
    scheme: 'bearer',
    description:
      'An access token from `POST /api/auth/login` (a JWT, 15 minutes; refresh with `POST /api/auth/refresh`), ' +
      'or an API key (`cdp_…`) sent the same way: `Authorization: Bearer cdp_…`.',
  },
  apiKey: {
    type: 'apiKey',
    in: 'header',
    name: 'X-API-Key',
    description: 'An API key (`cdp_…`) created under Settings → API keys, limited to the scopes chosen for it.',
  },
};

const METHODS = ['get', 'put', 'post', 'delete', 'patch'] as const;

/** Adds the error responses each operation can give, by reference, without replacing its own. */
export function enrichDocument<T extends Json>(document: T): T {
  const components = (document.components ?? {}) as Json;
  components.securitySchemes = SECURITY_SCHEMES;
  components.schemas = { ...((components.schemas as Json) ?? {}), ErrorEnvelope: ERROR_ENVELOPE_SCHEMA };
  components.responses = Object.fromEntries(
    Object.values(ERRORS).map((e) => [
      e.name,
      {
        description: e.description,
        content: {
          'application/json': { schema: { $ref: '#/components/schemas/ErrorEnvelope' }, example: e.example },
        },
      },
    ]),
  );
  (document as Json).components = components;
  const paths = (document.paths ?? {}) as Record<string, Record<string, Json>>;
  for (const [path, item] of Object.entries(paths)) {
    for (const method of METHODS) {
      const operation = item[method];
      if (!operation) continue;
      const responses = (operation.responses ?? {}) as Json;
      const isPublic = Array.isArray(operation.security) && operation.security.length === 0;
      const codes = ['400', '429', ...(isPublic ? [] : ['401', '403']), ...(path.includes('{') ? ['404'] : [])];
      for (const code of codes) {
        const error = ERRORS[code];
        if (error && !responses[code]) responses[code] = { $ref: `#/components/responses/${error.name}` };
      }
      operation.responses = responses;
    }
  }
  return document;
}
