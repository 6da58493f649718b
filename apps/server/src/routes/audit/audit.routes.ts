import { Readable } from 'node:stream';
import { AuditEvent, AuditExportQuery, AuditQuery, AuditVerifyResponse, paged } from '@cdp/contracts';
import type { FastifyPluginAsyncZod } from 'fastify-type-provider-zod';
import { appendAudit } from '../../audit/audit-log.ts';
import { verifyAuditChain } from '../../audit/verify-chain.ts';
import { actorRef } from '../../auth/actor.ts';
import type { AppContext } from '../../lib/context.ts';
import { csvRow } from '../../lib/csv.ts';
import { actorOf, requirePermission } from '../../plugins/auth.ts';
import { auditBatch, searchAudit } from '../../repositories/audit.repo.ts';

const EXPORT_BATCH = 2000;
const CSV_HEADER = [
  'sequence',
  'time_utc',
  'actor_type',
  'actor_id',
  'actor',
  'action',
  'resource_type',
  'resource_id',
  'old_values',
  'new_values',
  'reason',
  'ip',
  'user_agent',
  'prev_hash',
  'hash',
];

export const auditRoutes: FastifyPluginAsyncZod<{ ctx: AppContext }> = async (app, { ctx }) => {
  app.get(
    '/api/audit',
    {
      preHandler: requirePermission('audit:view:own'),
      schema: {
        tags: ['audit'],
        summary: 'Search your organization’s audit trail (newest first)',
        querystring: AuditQuery,
        response: { 200: paged(AuditEvent) },
      },
    },
    async (request) => {
      const actor = actorOf(request);
      return ctx.database.tenant(actor.orgId, (tx) => searchAudit(tx, actor.orgId, request.query));
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
      const line = (values: unknown[]) => csvRow(values, { raw });
      // The export is itself an event: who took a copy of the trail, and which part.
      await ctx.database.tenant(actor.orgId, (tx) =>
        appendAudit(tx, {
          orgId: actor.orgId,
          actor: actorRef(actor),
          action: 'audit.exported',
          resourceType: 'audit_trail',
          resourceId: null,
          newValues: { filters, ...(raw ? { raw } : {}) },
          origin: request.origin,
        }),
      );
      async function* lines() {
        yield line(CSV_HEADER);
        let after = 0;
        for (;;) {
          const batch = await ctx.database.tenant(actor.orgId, (tx) =>
            auditBatch(tx, actor.orgId, filters, after, EXPORT_BATCH),
          );
          for (const e of batch) {
            yield line([
              e.seq,
              e.createdAt,
              e.actor.type,
              e.actor.id,
              e.actor.label,
              e.action,
              e.resourceType,
              e.resourceId,
              e.oldValues,
              e.newValues,
              e.reason,
              e.ip,
              e.userAgent,
              e.prevHash,
              e.hash,
            ]);
          }
          if (batch.length < EXPORT_BATCH) return;
          after = batch[batch.length - 1]?.seq ?? after;
        }
      }
      const stamp = new Date().toISOString().slice(0, 19).replace(/[-:T]/g, '');
      return reply
        .header('content-type', 'text/csv; charset=utf-8')
        .header('content-disposition', `attachment; filename="audit-${actor.orgCode}-${stamp}.csv"`)
        .send(Readable.from(lines()));
    },
  );
};
