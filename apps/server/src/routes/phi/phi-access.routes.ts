import { PhiAccessList, PhiAccessQuery, PhiAccessReport } from '@cdp/contracts';
import type { FastifyPluginAsyncZod } from 'fastify-type-provider-zod';
import { recordPhiAccessExport } from '../../commands/record-phi-access-export.ts';
import type { AppContext } from '../../lib/context.ts';
import { csvRow } from '../../lib/csv.ts';
import { actorOf, authorOf, requirePermission } from '../../plugins/auth.ts';
import { phiAccessPageFor, phiAccessReportFor } from '../../policies/phi-access.ts';
import { presentPhiAccess, presentPhiReportRow } from '../../presenters/phi.ts';

/** Most rows one CSV export holds; narrow the dates for more. */
const EXPORT_LIMIT = 50_000;

/** The PHI access log for auditors: search, CSV export, and the per-user-per-month report. */
export const phiAccessRoutes: FastifyPluginAsyncZod<{ ctx: AppContext }> = async (app, { ctx }) => {
  app.get(
    '/api/phi-access',
    {
      preHandler: requirePermission('audit:view:own'),
      schema: {
        tags: ['phi'],
        summary: 'Search the PHI access log: every response that carried PHI in clear (newest first)',
        querystring: PhiAccessQuery,
        response: { 200: PhiAccessList },
      },
    },
    async (request) => {
      const { limit, offset } = request.query;
      const page = await phiAccessPageFor(ctx, actorOf(request), request.query);
      return {
        data: page.rows.map((row) => presentPhiAccess(row, page.codes)),
        page: { total: page.total, limit, offset },
      };
    },
  );

  app.get(
    '/api/phi-access/report',
    {
      preHandler: requirePermission('audit:view:own'),
      schema: {
        tags: ['phi'],
        summary: 'PHI access per user per calendar month (UTC): responses, rows and studies',
        querystring: PhiAccessQuery,
        response: { 200: PhiAccessReport },
      },
    },
    async (request) => ({
      data: (await phiAccessReportFor(ctx, actorOf(request), request.query)).map(presentPhiReportRow),
    }),
  );

  app.get(
    '/api/phi-access/export',
    {
      preHandler: requirePermission('audit:export:own'),
      schema: {
        tags: ['phi'],
        summary: 'Download the PHI access log as CSV (same filters as the search; audited)',
        querystring: PhiAccessQuery,
        produces: ['text/csv'],
      },
    },
    async (request, reply) => {
      const actor = actorOf(request);
      await recordPhiAccessExport(ctx, authorOf(request), request.query);
      const page = await phiAccessPageFor(ctx, actor, { ...request.query, limit: EXPORT_LIMIT, offset: 0 });
      const lines = [
        csvRow(['at', 'user', 'email', 'api_key', 'ip', 'study', 'dataset', 'columns', 'rows', 'route']),
        ...page.rows.map((row) => {
          const e = presentPhiAccess(row, page.codes);
          return csvRow([
            e.at,
            e.user?.name ?? '',
            e.user?.email ?? '',
            e.apiKeyId ?? '',
            e.ip ?? '',
            e.studyCode ?? e.studyId,
            e.dataset,
            e.columns.join(' '),
            e.rows,
            e.route,
          ]);
        }),
      ];
      const stamp = new Date().toISOString().slice(0, 19).replace(/[-:T]/g, '');
      return reply
        .header('content-type', 'text/csv; charset=utf-8')
        .header('content-disposition', `attachment; filename="phi-access-${actor.orgCode}-${stamp}.csv"`)
        .send(lines.join(''));
    },
  );
};
