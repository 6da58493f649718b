import { QueryEngine } from '@cdp/analytics';
import type { AppContext } from '../lib/context.ts';

let engine: QueryEngine | undefined;

/**
 * The worker's query engine for export jobs: one per process, made on the first export, with the
 * same limits as the API's dashboards engine (so an export asks no more of DuckDB than a screen).
 */
export function exportEngine(ctx: AppContext): QueryEngine {
  engine ??= new QueryEngine({
    memoryLimit: ctx.config.dashboardQueryMemoryLimit,
    timeoutMs: ctx.config.dashboardQueryTimeoutMs,
    maxConcurrent: ctx.config.dashboardQueryConcurrency,
  });
  return engine;
}
