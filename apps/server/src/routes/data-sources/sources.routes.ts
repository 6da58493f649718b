import {
  ConnectionCheckResource,
  CreateDataSource,
  DataSourceList,
  DataSourceParams,
  DataSourceResource,
  IdParams,
  ListRaveStudies,
  RaveStudyList,
  ReplaceDataSourceSecret,
  TestDataSourceConnection,
  UpdateDataSource,
} from '@cdp/contracts';
import type { FastifyPluginAsyncZod } from 'fastify-type-provider-zod';
import {
  createDataSource,
  deleteDataSource,
  replaceDataSourceSecret,
  updateDataSource,
} from '../../commands/data-sources.ts';
import { listRaveChoices, testConnection, testSavedSource } from '../../data-sources/test-connection.ts';
import type { AppContext } from '../../lib/context.ts';
import { actorOf, authorOf, requirePermission } from '../../plugins/auth.ts';
import {
  dataSourcePermissions,
  loadSource,
  requireTypeEnabled,
  SOURCE_MANAGE,
  SOURCE_VIEW,
  sourceFor,
  studySources,
  visibleSources,
} from '../../policies/data-source.ts';
import { studyFor } from '../../policies/study.ts';
import { presentSource } from '../../presenters/data-source.ts';

const TAGS = ['data sources'];

/** A study's data sources: add, change, test, replace the secret, delete. Secrets are write-only. */
export const dataSourceRoutes: FastifyPluginAsyncZod<{ ctx: AppContext }> = async (app, { ctx }) => {
  app.get(
    '/api/data-sources',
    {
      preHandler: requirePermission(SOURCE_VIEW),
      schema: {
        tags: TAGS,
        summary: 'Every data source of the studies whose data the caller may view (the organization overview)',
        response: { 200: DataSourceList },
      },
    },
    async (request) => {
      const actor = actorOf(request);
      const sources = await visibleSources(ctx, actor);
      return { data: sources.map(presentSource), meta: { permissions: [] } };
    },
  );

  app.get(
    '/api/studies/:id/data-sources',
    {
      preHandler: requirePermission(SOURCE_VIEW),
      schema: { tags: TAGS, summary: "A study's data sources", params: IdParams, response: { 200: DataSourceList } },
    },
    async (request) => {
      const actor = actorOf(request);
      const study = await studyFor(ctx, actor, request.params.id, SOURCE_VIEW);
      const sources = await studySources(ctx, actor.orgId, study.id);
      return { data: sources.map(presentSource), meta: { permissions: dataSourcePermissions(actor, study.id) } };
    },
  );

  app.post(
    '/api/studies/:id/data-sources',
    {
      preHandler: requirePermission(SOURCE_MANAGE),
      schema: {
        tags: TAGS,
        summary: 'Add a data source (Rave, sFTP or a watched folder)',
        description:
          'The configuration is checked by its type. `secret` (a password, token or private key) is encrypted at rest and never returned. An sFTP source pulls only once `config.hostKeyFingerprint` holds the fingerprint its connection test showed and the user confirmed.',
        params: IdParams,
        body: CreateDataSource,
        response: { 201: DataSourceResource },
      },
    },
    async (request, reply) => {
      const actor = actorOf(request);
      requireTypeEnabled(actor, request.body.type);
      const study = await studyFor(ctx, actor, request.params.id, SOURCE_MANAGE);
      const row = await createDataSource(ctx, authorOf(request), { studyId: study.id, source: request.body });
      const source = await loadSource(ctx, actor.orgId, study.id, row.id);
      return reply
        .status(201)
        .send({ data: presentSource(source), permissions: dataSourcePermissions(actor, study.id) });
    },
  );

  app.post(
    '/api/studies/:id/data-sources/test',
    {
      preHandler: requirePermission(SOURCE_MANAGE),
      schema: {
        tags: TAGS,
        summary: 'Test a connection before saving: the add-source wizard, or a saved source’s changed settings',
        description:
          'Always 200: `ok` says whether it worked, `message` what was found or what failed. For sFTP, `hostKeyFingerprint` is the server’s key to confirm (also when it differs from the pinned one: then nothing was sent to the server). With `sourceId` and no `secret`, that saved source’s secret is used. A Rave test without `project` and `environment` checks the account alone.',
        params: IdParams,
        body: TestDataSourceConnection,
        response: { 200: ConnectionCheckResource },
      },
    },
    async (request) => {
      const actor = actorOf(request);
      requireTypeEnabled(actor, request.body.type);
      const study = await studyFor(ctx, actor, request.params.id, SOURCE_MANAGE);
      return { data: await testConnection(ctx, actor.orgId, study.id, request.body) };
    },
  );

  app.post(
    '/api/studies/:id/data-sources/rave-studies',
    {
      preHandler: requirePermission(SOURCE_MANAGE),
      schema: {
        tags: TAGS,
        summary: 'The Rave studies and environments an account can see, to pick from',
        description: 'With `sourceId` and no `secret`, the saved source’s secret is used.',
        params: IdParams,
        body: ListRaveStudies,
        response: { 200: RaveStudyList },
      },
    },
    async (request) => {
      const actor = actorOf(request);
      requireTypeEnabled(actor, 'rave');
      const study = await studyFor(ctx, actor, request.params.id, SOURCE_MANAGE);
      return { data: await listRaveChoices(ctx, actor.orgId, study.id, request.body) };
    },
  );

  app.get(
    '/api/studies/:id/data-sources/:sid',
    {
      preHandler: requirePermission(SOURCE_VIEW),
      schema: { tags: TAGS, summary: 'A data source', params: DataSourceParams, response: { 200: DataSourceResource } },
    },
    async (request) => {
      const actor = actorOf(request);
      const { study, source } = await sourceFor(ctx, actor, request.params, SOURCE_VIEW);
      return { data: presentSource(source), permissions: dataSourcePermissions(actor, study.id) };
    },
  );

  app.patch(
    '/api/studies/:id/data-sources/:sid',
    {
      preHandler: requirePermission(SOURCE_MANAGE),
      schema: {
        tags: TAGS,
        summary: 'Change a data source: name, configuration, schedule, enabled, auto-activate',
        params: DataSourceParams,
        body: UpdateDataSource,
        response: { 200: DataSourceResource },
      },
    },
    async (request) => {
      const actor = actorOf(request);
      const { study, source } = await sourceFor(ctx, actor, request.params, SOURCE_MANAGE);
      requireTypeEnabled(actor, source.row.type);
      await updateDataSource(ctx, authorOf(request), {
        studyId: study.id,
        sourceId: source.row.id,
        change: request.body,
      });
      const updated = await loadSource(ctx, actor.orgId, study.id, source.row.id);
      return { data: presentSource(updated), permissions: dataSourcePermissions(actor, study.id) };
    },
  );

  app.put(
    '/api/studies/:id/data-sources/:sid/secret',
    {
      preHandler: requirePermission(SOURCE_MANAGE),
      schema: {
        tags: TAGS,
        summary: 'Replace the source’s password, token or private key (write-only)',
        params: DataSourceParams,
        body: ReplaceDataSourceSecret,
        response: { 200: DataSourceResource },
      },
    },
    async (request) => {
      const actor = actorOf(request);
      const { study, source } = await sourceFor(ctx, actor, request.params, SOURCE_MANAGE);
      requireTypeEnabled(actor, source.row.type);
      await replaceDataSourceSecret(ctx, authorOf(request), {
        studyId: study.id,
        sourceId: source.row.id,
        secret: request.body.secret,
      });
      const updated = await loadSource(ctx, actor.orgId, study.id, source.row.id);
      return { data: presentSource(updated), permissions: dataSourcePermissions(actor, study.id) };
    },
  );

  app.post(
    '/api/studies/:id/data-sources/:sid/test',
    {
      preHandler: requirePermission(SOURCE_MANAGE),
      schema: {
        tags: TAGS,
        summary: 'Test a saved source’s connection with its stored settings and secret',
        description: 'For sFTP, a host key other than the pinned one fails loudly, naming both fingerprints.',
        params: DataSourceParams,
        response: { 200: ConnectionCheckResource },
      },
    },
    async (request) => {
      const actor = actorOf(request);
      const { source } = await sourceFor(ctx, actor, request.params, SOURCE_MANAGE);
      requireTypeEnabled(actor, source.row.type);
      return { data: await testSavedSource(ctx, source.row) };
    },
  );

  app.delete(
    '/api/studies/:id/data-sources/:sid',
    {
      preHandler: requirePermission(SOURCE_MANAGE),
      schema: {
        tags: TAGS,
        summary: 'Delete a data source: it stops pulling; its pulls and versions stay',
        params: DataSourceParams,
      },
    },
    async (request, reply) => {
      const actor = actorOf(request);
      const { study, source } = await sourceFor(ctx, actor, request.params, SOURCE_MANAGE);
      await deleteDataSource(ctx, authorOf(request), { studyId: study.id, sourceId: source.row.id });
      return reply.status(204).send();
    },
  );
};
