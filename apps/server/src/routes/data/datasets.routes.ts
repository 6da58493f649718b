import { createReadStream } from 'node:fs';
import { rm } from 'node:fs/promises';
import { type DatasetStore, profileColumn, QueryError, RowBlockCache } from '@cdp/analytics';
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
import type { FastifyPluginAsyncZod } from 'fastify-type-provider-zod';
import { exportDataset } from '../../commands/export-dataset.ts';
import { EXPORT_CONTENT_TYPES } from '../../data/write-export.ts';
import { AppError } from '../../lib/app-error.ts';
import type { AppContext } from '../../lib/context.ts';
import { datasetRowsCacheTotal } from '../../lib/metrics.ts';
import { actorOf, authorOf, requirePermission } from '../../plugins/auth.ts';
import { authorizeDatasetDownload, DATASET_DOWNLOAD, datasetFor, versionDatasetsFor } from '../../policies/data.ts';
import { reviewRowSet } from '../../policies/review-rows.ts';
import { presentDataset } from '../../presenters/data.ts';
import { datasetRowsBody } from '../../presenters/dataset-rows.ts';

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
  const rowBlocks = new RowBlockCache(ctx.config.datasetRowsCacheMb * 1024 * 1024, (hit) =>
    datasetRowsCacheTotal.inc({ result: hit ? 'hit' : 'miss' }),
  );

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
      const datasets = await versionDatasetsFor(ctx, actorOf(request), request.params, 'data:view:assigned');
      return { data: datasets.map(presentDataset) };
    },
  );

  app.get(
    '/api/studies/:id/versions/:vid/datasets/:name/rows',
    {
      preHandler: requirePermission('data:view:assigned'),
      schema: {
        tags: ['data'],
        summary:
          'Rows of a dataset: paged, sorted (`sort=COL` or `-COL`) and filtered (`filter=[{"column","op","value"}]`); on the active version also by review status (`review=not_reviewed`), together with `filter`',
        params: DatasetParams,
        querystring: DatasetRowsQuery,
        response: { 200: DatasetRows },
      },
    },
    async (request, reply) => {
      const actor = actorOf(request);
      const dataset = await datasetFor(ctx, actor, request.params, 'data:view:assigned');
      const { offset, limit, sort, filter, review } = request.query;
      const rowSet = review ? await reviewRowSet(ctx, actor, request.params, review) : undefined;
      const page = await answer(() => rowBlocks.page(store, dataset, { offset, limit, sort, filters: filter, rowSet }));
      // The log counts the rows this page handed over, not the dataset's.
      request.phiReads?.rows(dataset.row.studyId, dataset.name, page.rows.length);
      // Sent as it is: no serializer runs on a string (the columns were checked against the schema once).
      return reply
        .type('application/json; charset=utf-8')
        .send(datasetRowsBody(dataset, page) as unknown as DatasetRows);
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
      const dataset = await datasetFor(ctx, actorOf(request), request.params, 'data:view:assigned');
      const { column, filter, by } = request.query;
      const profile = await answer(() =>
        profileColumn(store, dataset, column, { filters: filter, ...(by ? { by } : {}) }),
      );
      const label = dataset.columns.find((c) => c.name === profile.name)?.label ?? null;
      return { ...profile, label, type: profile.type as ColumnProfile['type'] };
    },
  );

  app.get(
    '/api/studies/:id/versions/:vid/datasets/:name/download',
    {
      preHandler: DATASET_DOWNLOAD.map(requirePermission),
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
      const dataset = await datasetFor(ctx, actor, request.params, 'data:view:assigned');
      authorizeDatasetDownload(actor, { id: dataset.row.studyId });
      const { format, filter, sort, raw = false } = request.query;
      const view = filter.length > 0 || sort ? { filters: filter, ...(sort ? { sort } : {}) } : null;
      if (view && format !== 'csv') throw new AppError('INVALID_QUERY', 'Only CSV downloads follow filters and sort.');
      const exported = await answer(() => exportDataset(ctx, authorOf(request), { dataset, format, raw, view, store }));
      const stream = createReadStream(exported.file);
      if (exported.temporary) stream.on('close', () => void rm(exported.file, { force: true }));
      return reply
        .header('content-type', EXPORT_CONTENT_TYPES[format])
        .header(
          'content-disposition',
          `attachment; filename="${dataset.name.replace(/[^A-Za-z0-9_.-]/g, '_')}.${format}"`,
        )
        .send(stream);
    },
  );
};
