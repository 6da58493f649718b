import {
  CreateSignatureRequest,
  IdParams,
  SignatureList,
  SignatureListQuery,
  SignatureResponse,
  SignatureVerification,
  SigningStatus,
} from '@cdp/contracts';
import type { FastifyPluginAsyncZod } from 'fastify-type-provider-zod';
import { signRecord } from '../../commands/sign-record.ts';
import { afterExportSigned } from '../../exports/signed-copy.ts';
import type { AppContext } from '../../lib/context.ts';
import { actorOf, authorOf } from '../../plugins/auth.ts';
import { requireFeature } from '../../plugins/features.ts';
import { signaturesOf, signingStatus, verifySignature } from '../../policies/signature.ts';
import { presentSignature } from '../../presenters/signature.ts';

/**
 * Electronic signatures (21 CFR Part 11). Whoever may see a record may sign it with one of the
 * organization's meanings; the signature re-authenticates and binds to the record's SHA-256.
 */
export const signatureRoutes: FastifyPluginAsyncZod<{ ctx: AppContext }> = async (app, { ctx }) => {
  app.addHook('onRequest', requireFeature('electronic_signatures'));

  app.post(
    '/api/signatures',
    {
      schema: {
        tags: ['signatures'],
        summary: 'Sign a record: re-authenticate, choose a meaning; bound to the record’s SHA-256',
        description:
          'The first signature of a session needs email, password and (when enrolled) the TOTP code; later ones in ' +
          'the same session the password only. A wrong component is refused (401), counted toward the sign-in lock ' +
          'and audited; nothing is signed. resourceId of a dashboard or pipeline version is `<id>:<version>`.',
        body: CreateSignatureRequest,
        response: { 201: SignatureResponse },
      },
    },
    async (request, reply) => {
      const actor = actorOf(request);
      const author = authorOf(request);
      const row = await signRecord(ctx, author, actor.sessionId, request.body);
      // A signed PDF export gets its signed copy (the original plus a signature page).
      if (row.resourceType === 'export') await afterExportSigned(ctx, author, row.resourceId);
      reply.status(201);
      return { data: presentSignature(row) };
    },
  );

  app.get(
    '/api/signatures',
    {
      schema: {
        tags: ['signatures'],
        summary: 'The signatures of one record, oldest first (`resource=<type>:<id>`)',
        querystring: SignatureListQuery,
        response: { 200: SignatureList },
      },
    },
    async (request) => {
      const rows = await signaturesOf(ctx, actorOf(request), request.query.resource);
      return { data: rows.map(presentSignature) };
    },
  );

  app.get(
    '/api/signatures/status',
    {
      schema: {
        tags: ['signatures'],
        summary: 'What your next signature asks for (every component, or the password) and the meanings',
        response: { 200: SigningStatus },
      },
    },
    async (request) => ({ data: await signingStatus(ctx, actorOf(request)) }),
  );

  app.get(
    '/api/signatures/:id/verify',
    {
      schema: {
        tags: ['signatures'],
        summary: 'Recompute the record’s SHA-256: "valid" or "the record changed after it was signed"',
        params: IdParams,
        response: { 200: SignatureVerification },
      },
    },
    async (request) => ({ data: await verifySignature(ctx, actorOf(request), request.params.id) }),
  );
};
