import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startTestApp, type TestApp } from './harness.ts';

/** The OpenAPI document is what the SDK, the Postman collection and integrators read: it must be whole. */

let t: TestApp;
let doc: {
  paths: Record<string, Record<string, { security?: unknown[]; responses: Record<string, unknown>; summary?: string }>>;
  components: { securitySchemes: Record<string, { type: string; in?: string; name?: string; scheme?: string }> };
  security: unknown[];
};
const NOT_DOCUMENTED = new Set(['/api/openapi.json', '/api/postman-collection']);

beforeAll(async () => {
  t = await startTestApp({}, { log: (await import('../src/lib/logger.ts')).createLogger('error') });
  const res = await t.request(null, { method: 'GET', url: '/api/openapi.json' });
  expect(res.statusCode, res.body).toBe(200);
  doc = res.json();
});
afterAll(() => t.close());

function openapiPath(url: string): string {
  return url.replace(/:(\w+)/g, '{$1}');
}

describe('OpenAPI document', () => {
  it('describes every registered API route', () => {
    const missing: string[] = [];
    let checked = 0;
    for (const route of t.routes) {
      if (!route.url.startsWith('/api/') || route.url.startsWith('/api/docs') || NOT_DOCUMENTED.has(route.url))
        continue;
      if (route.method === 'HEAD' || route.method === 'OPTIONS') continue;
      checked += 1;
      if (!doc.paths[openapiPath(route.url)]?.[route.method.toLowerCase()])
        missing.push(`${route.method} ${route.url}`);
    }
    expect(missing).toEqual([]);
    expect(checked).toBeGreaterThan(40);
  });

  it('names both ways to authenticate, and marks the public routes', () => {
    expect(doc.components.securitySchemes.bearer).toMatchObject({ type: 'http', scheme: 'bearer' });
    expect(doc.components.securitySchemes.apiKey).toMatchObject({ type: 'apiKey', in: 'header', name: 'X-API-Key' });
    expect(doc.security).toEqual([{ bearer: [] }, { apiKey: [] }]);
    expect(doc.paths['/api/auth/login']?.post?.security).toEqual([]);
    expect(doc.paths['/api/health']?.get?.security).toEqual([]);
    expect(doc.paths['/api/studies']?.get?.security).toBeUndefined();
  });

  it('gives every operation the error envelope, with examples', async () => {
    const webhook = doc.paths['/api/webhooks/{id}']?.patch;
    expect(webhook?.responses['200']).toBeDefined();
    for (const code of ['400', '401', '403', '404', '429']) {
      expect(webhook?.responses[code]).toHaveProperty('$ref');
    }
    expect(doc.paths['/api/auth/login']?.post?.responses['400']).toBeDefined();
    expect(doc.paths['/api/health']?.get?.responses['401']).toBeUndefined();
    const responses = (
      doc as unknown as { components: { responses: Record<string, { content: Record<string, { example: unknown }> }> } }
    ).components.responses;
    expect(responses.Forbidden?.content['application/json']?.example).toMatchObject({ error: { code: 'FORBIDDEN' } });
    // The example is what the server really answers.
    const monitor = await (await t.tenant()).as('clinical_monitor');
    const denied = await t.request(monitor, { method: 'GET', url: '/api/webhooks' });
    expect(Object.keys(denied.json().error).sort()).toEqual(['code', 'details', 'message']);
    expect(denied.json().error.code).toBe('FORBIDDEN');
  });

  it('serves a Postman collection with a request per operation', async () => {
    const res = await t.request(null, { method: 'GET', url: '/api/postman-collection' });
    expect(res.statusCode).toBe(200);
    const collection = res.json() as {
      info: { schema: string };
      auth: { type: string };
      item: {
        name: string;
        item: {
          name: string;
          request: { method: string; url: { raw: string }; auth?: unknown; body?: { raw: string } };
        }[];
      }[];
    };
    expect(collection.info.schema).toBe('https://schema.getpostman.com/json/collection/v2.1.0/collection.json');
    expect(collection.auth.type).toBe('bearer');
    const requests = collection.item.flatMap((folder) => folder.item);
    const operations = Object.values(doc.paths).reduce((n, item) => n + Object.keys(item).length, 0);
    expect(requests).toHaveLength(operations);
    const login = requests.find((r) => r.request.url.raw === '{{baseUrl}}/api/auth/login');
    expect(login?.request).toMatchObject({ method: 'POST', auth: { type: 'noauth' } });
    expect(JSON.parse(login?.request.body?.raw ?? '{}')).toHaveProperty('email');
    const webhook = requests.find((r) => r.request.url.raw === '{{baseUrl}}/api/webhooks/:id/rotate-secret');
    expect(webhook?.request.method).toBe('POST');
  });
});
