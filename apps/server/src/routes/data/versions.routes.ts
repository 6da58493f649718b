import { rm } from 'node:fs/promises';
import path from 'node:path';
import type { DatasetStore } from '@cdp/analytics';
import { diffDataset } from '@cdp/analytics';
import {
  ActivateVersionRequest,
  type DatasetColumnType,
  DataVersionResource,
  DiffParams,
  DiffQuery,
  IdParams,
  UploadQuery,
  UploadResponse,
  VersionDiff,
  VersionList,
  VersionParams,
} from '@cdp/contracts';
import type { CsvOptions } from '@cdp/formats';
import multipart from '@fastify/multipart';
import type { FastifyPluginAsyncZod } from 'fastify-type-provider-zod';
import { activateDataVersion } from '../../commands/activate-data-version.ts';
import { createDataVersion } from '../../commands/create-data-version.ts';
import { warmConversionWorker } from '../../ingest/convert-in-worker.ts';
import { notFound } from '../../lib/app-error.ts';
import type { AppContext } from '../../lib/context.ts';
import { PhaseTimer } from '../../lib/phase-timer.ts';
import { studyDir } from '../../lib/study-folders.ts';
import { actorOf, authorOf, requirePermission } from '../../plugins/auth.ts';
import { requireFeature } from '../../plugins/features.ts';
import { assertAcceptsData, versionDataFor, versionFor } from '../../policies/data.ts';
import { authorizeStudy, studyFor } from '../../policies/study.ts';
import { versionResource } from '../../presenters/data.ts';
import { keepVersions, versionListJson, versionsToPresent } from '../../presenters/version-list.ts';
import { readStudyVersions, readVersionDetails, type VersionHead } from '../../repositories/data-versions.repo.ts';
import { receiveUpload } from './receive-upload.ts';

export const versionRoutes: FastifyPluginAsyncZod<{ ctx: AppContext; store: DatasetStore }> = async (
  app,
  { ctx, store },
) => {
  await app.register(multipart, { limits: { fileSize: ctx.config.uploadMaxBytes, files: 1, fields: 0, parts: 1 } });

  app.post(
    '/api/studies/:id/uploads',
    {
      onRequest: requireFeature('data_uploads'),
      preHandler: requirePermission('data:upload:assigned'),
      // The body is a stream of up to UPLOAD_MAX_BYTES; the JSON body limit does not apply.
      bodyLimit: ctx.config.uploadMaxBytes + 1024 * 1024,
      schema: {
        tags: ['data'],
        summary:
          'Upload a ZIP or one data file (XPT, SAS7BDAT, CSV, XLSX, Parquet, ODM, Dataset-JSON) as a new data version',
        description:
          'multipart/form-data with one field `file`. Answers 201 with the new version, or 422 naming the file (and row or column) that could not be read; nothing is saved then.',
        consumes: ['multipart/form-data'],
        params: IdParams,
        querystring: UploadQuery,
        response: { 201: UploadResponse },
      },
    },
    async (request, reply) => {
      const actor = actorOf(request);
      const timer = new PhaseTimer();
      const study = await studyFor(ctx, actor, request.params.id, 'data:upload:assigned');
      assertAcceptsData(study);
      const tempDir = path.join(studyDir(ctx.config.dataDir, study.orgId, study.id), 'temp');
      // A conversion worker loads while the file arrives, instead of after it.
      warmConversionWorker();
      timer.mark('study');
      const upload = await receiveUpload(request, tempDir, ctx.config.uploadMaxBytes);
      timer.mark('receive');
      try {
        const created = await createDataVersion(ctx, authorOf(request), {
          studyId: study.id,
          upload: { ...upload, kind: 'upload', csv: csvOptions(request.query) },
          timer,
        });
        const answer = versionResource(actor, created, created.activeVersionId);
        timer.mark('present');
        return reply.status(201).header('server-timing', timer.header()).send(answer);
      } finally {
        await rm(upload.path, { force: true });
      }
    },
  );

  app.get(
    '/api/studies/:id/versions',
    {
      preHandler: requirePermission('data:view:assigned'),
      schema: {
        tags: ['data'],
        summary: 'Data versions of the study, newest first',
        params: IdParams,
        response: { 200: VersionList },
      },
    },
    async (request, reply) => {
      const actor = actorOf(request);
      // One call reads the study and its versions' heads; a version never changes, so each is
      // presented once per process (`presenters/version-list.ts`) and only new ones are read whole.
      const { study, versions } = await readStudyVersions(ctx.database, actor.orgId, request.params.id);
      if (!study) throw notFound('Study');
      authorizeStudy(actor, 'data:view:assigned', study);
      const present = async (heads: VersionHead[]) =>
        heads.length === 0
          ? new Map()
          : keepVersions(actor.orgId, await readVersionDetails(ctx.database, actor.orgId, study.id, heads));
      const body =
        versionListJson(actor, study, versions, await present(versionsToPresent(actor.orgId, versions))) ??
        versionListJson(actor, study, versions, await present(versions));
      // Sent as it is: no serializer runs on a string (each version was checked against the schema once).
      return reply.type('application/json; charset=utf-8').send(body as unknown as VersionList);
    },
  );

  app.get(
    '/api/studies/:id/versions/:vid',
    {
      preHandler: requirePermission('data:view:assigned'),
      schema: {
        tags: ['data'],
        summary: 'One data version',
        params: VersionParams,
        response: { 200: DataVersionResource },
      },
    },
    async (request) => {
      const actor = actorOf(request);
      const { study, version } = await versionFor(ctx, actor, request.params, 'data:view:assigned');
      return versionResource(actor, version, study.activeDataVersionId);
    },
  );

  app.post(
    '/api/studies/:id/versions/:vid/activate',
    {
      preHandler: requirePermission('data:upload:assigned'),
      schema: {
        tags: ['data'],
        summary: 'Make this version the active one (also how a roll back is done); audited with the reason',
        params: VersionParams,
        body: ActivateVersionRequest,
        response: { 200: DataVersionResource },
      },
    },
    async (request) => {
      const version = await activateDataVersion(ctx, authorOf(request), {
        studyId: request.params.id,
        versionId: request.params.vid,
        reason: request.body.reason,
        signatureId: request.body.signatureId,
      });
      return versionResource(actorOf(request), version, version.version.id);
    },
  );

  app.get(
    '/api/studies/:id/versions/:a/diff/:b',
    {
      preHandler: requirePermission('data:view:assigned'),
      schema: {
        tags: ['data'],
        summary: 'What changed from version a to version b: datasets, columns, and rows by key',
        description:
          'Rows are matched by USUBJID plus the domain’s --SEQ when both exist, USUBJID alone otherwise; `key=COL1,COL2` names another key. `dataset` limits the comparison to one dataset.',
        params: DiffParams,
        querystring: DiffQuery,
        response: { 200: VersionDiff },
      },
    },
    async (request) => {
      const actor = actorOf(request);
      const study = await studyFor(ctx, actor, request.params.id, 'data:view:assigned');
      const before = (await versionDataFor(ctx, actor, study, request.params.a)).datasets;
      const after = (await versionDataFor(ctx, actor, study, request.params.b)).datasets;
      const only = request.query.dataset?.toUpperCase();
      const names = [...new Set([...before.keys(), ...after.keys()])].filter((n) => !only || n === only).sort();
      if (only && names.length === 0) throw notFound(`Dataset ${request.query.dataset}`);
      const datasets = [];
      for (const name of names) {
        datasets.push(
          await diffDataset(store, before.get(name) ?? null, after.get(name) ?? null, {
            key: request.query.key,
            samples: request.query.samples,
          }),
        );
      }
      return {
        from: request.params.a,
        to: request.params.b,
        datasetsAdded: datasets.filter((d) => d.status === 'added').map((d) => d.name),
        datasetsRemoved: datasets.filter((d) => d.status === 'removed').map((d) => d.name),
        datasets,
      };
    },
  );
};

function csvOptions(query: {
  csvDelimiter?: string;
  csvEncoding?: 'utf-8' | 'latin-1' | 'utf-16';
  csvHeader?: boolean;
  csvTypes?: Record<string, DatasetColumnType>;
}): CsvOptions | undefined {
  const options: CsvOptions = {};
  if (query.csvDelimiter) options.delimiter = query.csvDelimiter;
  if (query.csvEncoding) options.encoding = query.csvEncoding;
  if (query.csvHeader !== undefined) options.header = query.csvHeader;
  if (query.csvTypes) options.columnTypes = query.csvTypes;
  return Object.keys(options).length > 0 ? options : undefined;
}
