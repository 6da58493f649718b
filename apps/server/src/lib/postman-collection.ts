/**
 * A Postman collection (v2.1) made from the OpenAPI document: one folder per tag, one request per
 * operation, with the bearer token and the base URL as collection variables.
 */
interface Operation {
  summary?: string;
  tags?: string[];
  security?: unknown[];
  parameters?: { in: string; name: string; required?: boolean }[];
  requestBody?: { content?: Record<string, { schema?: unknown; example?: unknown }> };
}
interface OpenApiDocument {
  info: { title: string; description?: string };
  paths: Record<string, Record<string, Operation>>;
}

const METHODS = ['get', 'post', 'put', 'patch', 'delete'];

/** A request body to start from: the example if there is one, else the schema's required fields. */
function sampleOf(schema: unknown): unknown {
  if (!schema || typeof schema !== 'object') return null;
  const s = schema as {
    type?: string | string[];
    properties?: Record<string, unknown>;
    required?: string[];
    default?: unknown;
    enum?: unknown[];
    items?: unknown;
    anyOf?: unknown[];
  };
  if (s.default !== undefined) return s.default;
  if (s.enum?.length) return s.enum[0];
  if (s.anyOf?.length) return sampleOf(s.anyOf[0]);
  const type = Array.isArray(s.type) ? s.type[0] : s.type;
  if (type === 'object' || s.properties) {
    const keys = s.required ?? [];
    return Object.fromEntries(keys.map((k) => [k, sampleOf(s.properties?.[k])]));
  }
  if (type === 'array') return [];
  if (type === 'string') return '';
  if (type === 'integer' || type === 'number') return 0;
  if (type === 'boolean') return false;
  return null;
}

export function postmanCollection(document: OpenApiDocument) {
  const folders = new Map<string, unknown[]>();
  for (const [path, item] of Object.entries(document.paths)) {
    for (const method of METHODS) {
      const operation = item[method];
      if (!operation) continue;
      const segments = path
        .replace(/^\//, '')
        .split('/')
        .map((s) => s.replace(/^\{(.+)\}$/, ':$1'));
      const query = (operation.parameters ?? [])
        .filter((p) => p.in === 'query')
        .map((p) => ({ key: p.name, value: '', disabled: !p.required }));
      const variables = (operation.parameters ?? [])
        .filter((p) => p.in === 'path')
        .map((p) => ({ key: p.name, value: '' }));
      const json = operation.requestBody?.content?.['application/json'];
      const request = {
        method: method.toUpperCase(),
        header: json ? [{ key: 'Content-Type', value: 'application/json' }] : [],
        url: {
          raw: `{{baseUrl}}/${segments.join('/')}`,
          host: ['{{baseUrl}}'],
          path: segments,
          ...(query.length ? { query } : {}),
          ...(variables.length ? { variable: variables } : {}),
        },
        ...(json
          ? {
              body: {
                mode: 'raw',
                raw: JSON.stringify(json.example ?? sampleOf(json.schema), null, 2),
                options: { raw: { language: 'json' } },
              },
            }
          : {}),
        ...(Array.isArray(operation.security) && operation.security.length === 0 ? { auth: { type: 'noauth' } } : {}),
      };
      const tag = operation.tags?.[0] ?? 'other';
      const list = folders.get(tag) ?? [];
      list.push({ name: operation.summary ?? `${method.toUpperCase()} ${path}`, request });
      folders.set(tag, list);
    }
  }
  return {
    info: {
      name: document.info.title,
      description: document.info.description,
      schema: 'https://schema.getpostman.com/json/collection/v2.1.0/collection.json',
    },
    auth: { type: 'bearer', bearer: [{ key: 'token', value: '{{token}}', type: 'string' }] },
    variable: [
      { key: 'baseUrl', value: 'http://localhost:3000' },
      { key: 'token', value: '' },
    ],
    item: [...folders.entries()].map(([name, items]) => ({ name, item: items })),
  };
}
