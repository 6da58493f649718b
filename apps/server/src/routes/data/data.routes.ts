import { DatasetStore } from '@cdp/analytics';
import type { FastifyPluginAsyncZod } from 'fastify-type-provider-zod';
import type { AppContext } from '../../lib/context.ts';
import { subjectRoutes } from '../subjects/subjects.routes.ts';
import { datasetRoutes } from './datasets.routes.ts';
import { versionRoutes } from './versions.routes.ts';

/** Data versions, datasets and subject profiles share one DuckDB for reading Parquet, closed with the server. */
export const dataRoutes: FastifyPluginAsyncZod<{ ctx: AppContext }> = async (app, { ctx }) => {
  const store = new DatasetStore({ memoryLimit: ctx.config.duckdbMemoryLimit });
  app.addHook('onClose', () => store.close());
  await app.register(versionRoutes, { ctx, store });
  await app.register(datasetRoutes, { ctx, store });
  await app.register(subjectRoutes, { ctx, store });
};
