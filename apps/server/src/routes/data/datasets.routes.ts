import { createReadStream } from 'node:fs';
import { mkdir, rm } from 'node:fs/promises';
import path from 'node:path';
import {
  type DatasetStore,
  exportViewCsv,
  profileColumn,
  QueryError,
  readRows,
  type StoredDataset,
} from '@cdp/analytics';
import {
  ColumnProfile,
  ColumnProfileQuery,
  DatasetList,
  DatasetParams,
  DatasetRows,
  DatasetRowsQuery,
  DownloadQuery,
  VersionParams,
} from '@cdp/contracts';
import { FormatError, quoteLiteral, readParquet, writeXpt } from '@cdp/formats';
import type { FastifyPluginAsyncZod } from 'fastify-type-provider-zod';
import { appendAudit } from '../../audit/audit-log.ts';
import { type Actor, actorRef } from '../../auth/actor.ts';
import { AppError, notFound } from '../../lib/app-error.ts';
import type { AppContext } from '../../lib/context.ts';
import { datasetFile, studyDir } from '../../lib/study-folders.ts';
import { actorOf, requirePermission } from '../../plugins/auth.ts';
import { type DatasetRow, findVersion, presentDataset } from '../../repositories/data-versions.repo.ts';
import { studyFor } from './study-access.ts';

interface FoundDataset {
  row: DatasetRow;
  stored: StoredDataset;
  file: string;
}

/** Runs a dataset query, turning a request the dataset cannot answer into a 400 naming the parameter. */
async function answer<T>(work: () => Promise<T>): Promise<T> {
  try {
    return await work();
  } catch (error) {
    if (error instanceof QueryError) {
      throw new AppError('INVALID_QUERY', error.message, {
        issues: [{ path: `query.${error.param}`, message: error.message }],
      });
    }
    throw error;
  }
}

export const datasetRoutes: FastifyPluginAsyncZod<{ ctx: AppContext; store: DatasetStore }> = async (
  app,
  { ctx, store },
) => {
  async function findDataset(
    actor: Actor,
    params: { id: string; vid: string; name: string },
    permission: 'data:view:assigned' | 'data:export:assigned',
  ): Promise<FoundDataset> {
    const study = await studyFor(ctx, actor, params.id, permission);
    const version = await ctx.database.tenant(actor.orgId, (tx) => findVersion(tx, actor.orgId, study.id, params.vid));
    if (!version) throw notFound('Data version');
    const row = version.datasets.find((d) => d.name.toLowerCase() === params.name.toLowerCase());
    if (!row) throw notFound(`Dataset ${params.name}`);
    const file = datasetFile(ctx.config.dataDir, row, version.version.label);
    return { row, file, stored: { file, columns: row.columns } };
  }

  app.get(
    '/api/studies/:id/versions/:vid/datasets',
    {
      preHandler: requirePermission('data:view:assigned'),
      schema: {
        tags: ['data'],
        summary: 'Datasets of a version',
        params: VersionParams,
        response: { 200: DatasetList },
      },
    },
    async (request) => {
      const actor = actorOf(request);
      const study = await studyFor(ctx, actor, request.params.id, 'data:view:assigned');
      const version = await ctx.database.tenant(actor.orgId, (tx) =>
        findVersion(tx, actor.orgId, study.id, request.params.vid),
      );
      if (!version) throw notFound('Data version');
      return { data: version.datasets.map(presentDataset) };
    },
  );

  app.get(
    '/api/studies/:id/versions/:vid/datasets/:name/rows',
    {
      preHandler: requirePermission('data:view:assigned'),
      schema: {
        tags: ['data'],
        summary:
          'Rows of a dataset: paged, sorted (`sort=COL` or `-COL`) and filtered (`filter=[{"column","op","value"}]`)',
        params: DatasetParams,
        querystring: DatasetRowsQuery,
        response: { 200: DatasetRows },
      },
    },
    async (request) => {
      const actor = actorOf(request);
      const { row, stored } = await findDataset(actor, request.params, 'data:view:assigned');
      const { offset, limit, sort, filter } = request.query;
      const page = await answer(() => readRows(store, stored, { offset, limit, sort, filters: filter }));
      return { columns: presentDataset(row).columns, ...page };
    },
  );

  app.get(
    '/api/studies/:id/versions/:vid/datasets/:name/profile',
    {
      preHandler: requirePermission('data:view:assigned'),
      schema: {
        tags: ['data'],
        summary:
          'Profile of one column over the rows `filter` keeps: missing, distinct, min, max, mean and top values, optionally split `by` a column',
        params: DatasetParams,
        querystring: ColumnProfileQuery,
        response: { 200: ColumnProfile },
      },
    },
    async (request) => {
      const actor = actorOf(request);
      const { row, stored } = await findDataset(actor, request.params, 'data:view:assigned');
      const { column, filter, by } = request.query;
      const profile = await answer(() =>
        profileColumn(store, stored, column, { filters: filter, ...(by ? { by } : {}) }),
      );
      const label = row.columns.find((c) => c.name === profile.name)?.label ?? null;
      return { ...profile, label, type: profile.type as ColumnProfile['type'] };
    },
  );

  app.get(
    '/api/studies/:id/versions/:vid/datasets/:name/download',
    {
      preHandler: requirePermission('data:export:assigned'),
      schema: {
        tags: ['data'],
        summary:
          'Download a dataset as CSV, Parquet or SAS XPT v5 (audited); a CSV may follow the viewer (`filter`, `sort`)',
        params: DatasetParams,
        querystring: DownloadQuery,
      },
    },
    async (request, reply) => {
      const actor = actorOf(request);
      const found = await findDataset(actor, request.params, 'data:export:assigned');
      const { format, filter, sort } = request.query;
      const view = filter.length > 0 || sort ? { filters: filter, ...(sort ? { sort } : {}) } : null;
      if (view && format !== 'csv') throw new AppError('INVALID_QUERY', 'Only CSV downloads follow filters and sort.');
      const exportsDir = path.join(studyDir(ctx.config.dataDir, found.row.orgId, found.row.studyId), 'temp');
      await mkdir(exportsDir, { recursive: true });
      let file = found.file;
      let temporary: string | null = null;
      if (format !== 'parquet') {
        temporary = path.join(exportsDir, `export-${request.id}.${format}`);
        file = temporary;
        const target = temporary;
        await (view && format === 'csv'
          ? answer(() => exportViewCsv(store, found.stored, view, target))
          : writeExport(store, found, format, target));
      }
      await ctx.database.tenant(actor.orgId, (tx) =>
        appendAudit(tx, {
          orgId: actor.orgId,
          actor: actorRef(actor),
          action: 'dataset.exported',
          resourceType: 'dataset',
          resourceId: found.row.id,
          newValues: {
            studyId: found.row.studyId,
            versionId: found.row.versionId,
            dataset: found.row.name,
            format,
            ...(view ? { view } : {}),
          },
          origin: request.origin,
        }),
      );
      const stream = createReadStream(file);
      if (temporary) {
        const done = temporary;
        stream.on('close', () => void rm(done, { force: true }));
      }
      const type = {
        csv: 'text/csv; charset=utf-8',
        parquet: 'application/vnd.apache.parquet',
        xpt: 'application/octet-stream',
      }[format];
      return reply
        .header('content-type', type)
        .header(
          'content-disposition',
          `attachment; filename="${found.row.name.replace(/[^A-Za-z0-9_.-]/g, '_')}.${format}"`,
        )
        .send(stream);
    },
  );
};

async function writeExport(
  store: DatasetStore,
  found: FoundDataset,
  format: 'csv' | 'xpt',
  target: string,
): Promise<void> {
  if (format === 'csv') {
    await store.withConnection((connection) =>
      connection.run(
        `COPY (SELECT * FROM read_parquet(${quoteLiteral(found.file)})) TO ${quoteLiteral(target)} (FORMAT csv, HEADER true)`,
      ),
    );
    return;
  }
  try {
    const reader = await readParquet(found.file, { fileName: found.row.name });
    await writeXpt(target, [reader]);
  } catch (error) {
    await rm(target, { force: true });
    if (error instanceof FormatError) {
      throw new AppError(
        'INVALID_FILE',
        `${found.row.name} cannot be written as SAS XPT v5: ${error.message}`,
        error.location,
      );
    }
    throw error;
  }
}
