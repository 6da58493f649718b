import { Readable } from 'node:stream';
import { AuditExportQuery, AuditPage, AuditQuery, AuditVerifyResponse } from '@cdp/contracts';
import type { FastifyPluginAsyncZod } from 'fastify-type-provider-zod';
import { verifyAuditChain } from '../../audit/verify-chain.ts';
import { recordAuditExport } from '../../commands/record-audit-export.ts';
import type { AppContext } from '../../lib/context.ts';
import { actorOf, authorOf, requirePermission } from '../../plugins/auth.ts';
import { auditTrailFor } from '../../policies/audit.ts';
import { auditPage } from '../../presenters/audit.ts';
import { auditCsvLines } from '../../presenters/audit-csv.ts';

export const auditRoutes: FastifyPluginAsyncZod<{ ctx: AppContext }> = async (app, { ctx }) => {
  app.get(
    '/api/audit',
    {
      preHandler: requirePermission('audit:view:own'),
      schema: {
        tags: ['audit'],
        summary: 'Search your organization’s audit trail (newest first)',
        querystring: AuditQuery,
        response: { 200: AuditPage },
      },
    },
    async (request) => {
      const actor = actorOf(request);
      return auditPage(actor, await auditTrailFor(ctx, actor, request.query), request.query);
    },
  );

  app.get(
    '/api/audit/verify',
    {
      preHandler: requirePermission('audit:view:own'),
      schema: {
        tags: ['audit'],
        summary: 'Recompute the hash chain of your organization’s trail',
        response: { 200: AuditVerifyResponse },
      },
    },
    async (request) => {
      const actor = actorOf(request);
      return ctx.database.tenant(actor.orgId, (tx) => verifyAuditChain(tx, actor.orgId));
    },
  );

  app.get(
    '/api/audit/export',
    {
      preHandler: requirePermission('audit:export:own'),
      schema: {
        tags: ['audit'],
        summary: 'Download the audit trail as CSV (same filters as the search, oldest first)',
        querystring: AuditExportQuery,
        produces: ['text/csv'],
      },
    },
    async (request, reply) => {
      const actor = actorOf(request);
      const { raw = false, ...filters } = request.query;
      await recordAuditExport(ctx, authorOf(request), { filters, raw });
      const stamp = new Date().toISOString().slice(0, 19).replace(/[-:T]/g, '');
      return reply
        .header('content-type', 'text/csv; charset=utf-8')
        .header('content-disposition', `attachment; filename="audit-${actor.orgCode}-${stamp}.csv"`)
        .send(Readable.from(auditCsvLines(ctx, actor.orgId, filters, { raw })));
    },
  );
};
