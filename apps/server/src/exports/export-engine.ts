import { QueryEngine } from '@cdp/analytics';
import type { AppContext } from '../lib/context.ts';

let own: QueryEngine | undefined;
let offered: QueryEngine | undefined;

/**
 * The API's dashboards engine, offered to exports made in the same process (`cdp start`): an export
 * of the dashboard a user is looking at then reads the answers the screen already cached instead of
 * querying DuckDB again. Returns the withdrawal, called when that API closes.
 */
export function offerDashboardEngine(engine: QueryEngine): () => void {
  offered = engine;
  return () => {
    if (offered === engine) offered = undefined;
  };
}

/**
 * The query engine of export jobs and scheduled reports: the API's when it runs in this process,
 * else one per process, made on the first export and kept (its cache warms across exports), with
 * the same limits as the API's dashboards engine (an export asks no more of DuckDB than a screen).
 */
export function exportEngine(ctx: AppContext): QueryEngine {
  if (offered) return offered;
  own ??= new QueryEngine({
    memoryLimit: ctx.config.dashboardQueryMemoryLimit,
    timeoutMs: ctx.config.dashboardQueryTimeoutMs,
    maxConcurrent: ctx.config.dashboardQueryConcurrency,
    threads: ctx.config.dashboardQueryThreads,
    baseTableBytes: ctx.config.dashboardBaseTableMb * 1024 ** 2,
    baseTableMinRows: ctx.config.dashboardBaseTableMinRows,
    uniqueCounts: ctx.config.dashboardQueryUniqueCounts,
    keyedCopies: ctx.config.dashboardQueryKeyedCopies,
    partials: ctx.config.dashboardQueryPartials,
  });
  return own;
}
