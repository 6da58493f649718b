import swagger from '@fastify/swagger';
import swaggerUi from '@fastify/swagger-ui';
import type { FastifyInstance } from 'fastify';
import fp from 'fastify-plugin';
import { createJsonSchemaTransform } from 'fastify-type-provider-zod';
import { postmanCollection } from '../lib/postman-collection.ts';
import { enrichDocument, SECURITY_SCHEMES } from './openapi-document.ts';

const zodTransform = createJsonSchemaTransform({ skipList: [] });

/**
 * OpenAPI 3 generated from the routes' zod schemas: /api/openapi.json, /api/docs, and a Postman
 * collection made from the same document.
 */
export const openapiPlugin = fp(async (app: FastifyInstance) => {
  await app.register(swagger, {
    openapi: {
      openapi: '3.1.0',
      info: {
        title: 'CDP — Clinical Dashboard Platform API',
        description:
          'Everything the web app does goes through this API. Authenticate with an access token from ' +
          '`POST /api/auth/login` sent as `Authorization: Bearer <token>`, or with an API key (`cdp_…`) sent as ' +
          '`X-API-Key: cdp_…` or `Authorization: Bearer cdp_…`. Every error is ' +
          '`{ error: { code, message, details } }`; a resource of another organization answers 404. ' +
          'Guide with examples: docs/api.md.',
        version: '0.1.0',
      },
      components: { securitySchemes: SECURITY_SCHEMES as never },
      security: [{ bearer: [] }, { apiKey: [] }],
    },
    // Public routes (sign-in, health, this document) need no credentials: say so per operation.
    transform: (input) => {
      const out = zodTransform(input);
      let schema = out.schema as Record<string, unknown>;
      if (input.route.config && (input.route.config as { public?: boolean }).public) {
        schema = { ...schema, security: [] };
      }
      // Uploads stream their file past the body parser; the document still says what to send.
      const consumes = (input.schema as { consumes?: string[] } | undefined)?.consumes;
      if (consumes?.includes('multipart/form-data') && !schema.body) {
        schema = {
          ...schema,
          body: { type: 'object', required: ['file'], properties: { file: { type: 'string', format: 'binary' } } },
        };
      }
      return { ...out, schema };
    },
    transformObject: (documentObject) =>
      enrichDocument(
        ('openapiObject' in documentObject ? documentObject.openapiObject : {}) as Record<string, unknown>,
      ),
  });
  await app.register(swaggerUi, { routePrefix: '/api/docs', staticCSP: false });
  app.get('/api/openapi.json', { config: { public: true }, schema: { hide: true } }, async () => app.swagger());
  app.get('/api/postman-collection', { config: { public: true }, schema: { hide: true } }, async (_request, reply) => {
    reply.header('content-disposition', 'attachment; filename="cdp.postman_collection.json"');
    return postmanCollection(app.swagger() as unknown as Parameters<typeof postmanCollection>[0]);
  });
});
