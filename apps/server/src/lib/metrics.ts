import type pg from 'pg';
import { Counter, collectDefaultMetrics, Gauge, Histogram, Registry } from 'prom-client';

/**
 * The process's Prometheus metrics (docs/operations.md, "Monitoring"). One registry per process;
 * what is measured is measured where it happens once for everyone: HTTP in one Fastify hook
 * (plugins/observability.ts), jobs in the job runner (jobs/run-job.ts) so every job registered
 * later is counted by its name without code of its own, queries and conversions where they run.
 * Served by lib/metrics-server.ts on METRICS_PORT.
 */
export const metricsRegistry = new Registry();
collectDefaultMetrics({ register: metricsRegistry, prefix: 'cdp_' });

export const httpRequestSeconds = new Histogram({
  name: 'cdp_http_request_duration_seconds',
  help: 'HTTP requests by route pattern, method and status, with their latency',
  labelNames: ['method', 'route', 'status'] as const,
  buckets: [0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30],
  registers: [metricsRegistry],
});

export const jobsTotal = new Counter({
  name: 'cdp_jobs_total',
  help: 'Jobs run by this worker, by job name and outcome (done, failed, rejected)',
  labelNames: ['job', 'outcome'] as const,
  registers: [metricsRegistry],
});

export const jobSeconds = new Histogram({
  name: 'cdp_job_duration_seconds',
  help: 'Time a job took in its handler, by job name',
  labelNames: ['job'] as const,
  buckets: [0.05, 0.1, 0.5, 1, 2.5, 5, 10, 30, 60, 300, 900, 3600],
  registers: [metricsRegistry],
});

export const jobsRunning = new Gauge({
  name: 'cdp_jobs_running',
  help: 'Jobs running in this process now, by job name',
  labelNames: ['job'] as const,
  registers: [metricsRegistry],
});

export const duckdbQuerySeconds = new Histogram({
  name: 'cdp_duckdb_query_duration_seconds',
  help: 'Dashboard queries DuckDB ran (cache misses), by how long they took',
  buckets: [0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 15],
  registers: [metricsRegistry],
});

/** Split of the queries above: waiting for a turn (DASHBOARD_QUERY_CONCURRENCY), then DuckDB running. */
export const dashboardQueryWaitSeconds = new Histogram({
  name: 'cdp_dashboard_query_wait_seconds',
  help: 'Dashboard queries DuckDB ran, by how long they waited for a turn before running',
  buckets: [0.001, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 15],
  registers: [metricsRegistry],
});

export const dashboardQueryRunSeconds = new Histogram({
  name: 'cdp_dashboard_query_run_seconds',
  help: 'Dashboard queries DuckDB ran, by how long they ran once started (without the wait for a turn)',
  buckets: [0.001, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 15],
  registers: [metricsRegistry],
});

export const queryCacheTotal = new Counter({
  name: 'cdp_query_cache_requests_total',
  help: 'Dashboard query results asked of the cache, by result (hit, miss)',
  labelNames: ['result'] as const,
  registers: [metricsRegistry],
});

export const datasetRowsCacheTotal = new Counter({
  name: 'cdp_dataset_rows_cache_requests_total',
  help: 'Dataset row pages asked of the kept blocks, by result (hit: every block kept, miss: read from the file)',
  labelNames: ['result'] as const,
  registers: [metricsRegistry],
});

/** The dashboard engines of this process whose base tables the gauge below sums (one per API plugin). */
const baseTableSources = new Set<() => number>();

/** Counts an engine's base tables in `cdp_dashboard_base_table_bytes` until the returned function is called. */
export function watchBaseTables(bytes: () => number): () => void {
  baseTableSources.add(bytes);
  return () => baseTableSources.delete(bytes);
}

export const dashboardBaseTableBytes = new Gauge({
  name: 'cdp_dashboard_base_table_bytes',
  help: "Estimated bytes of dashboard base tables held in DuckDB (a large dataset's rows passing a widget's own filters)",
  registers: [metricsRegistry],
  collect() {
    let total = 0;
    for (const bytes of baseTableSources) total += bytes();
    this.set(total);
  },
});

export const conversionBytesTotal = new Counter({
  name: 'cdp_conversion_input_bytes_total',
  help: 'Bytes of uploaded files converted to Parquet',
  registers: [metricsRegistry],
});

export const conversionRowsTotal = new Counter({
  name: 'cdp_conversion_rows_total',
  help: 'Rows written to Parquet by upload conversions',
  registers: [metricsRegistry],
});

export const conversionSeconds = new Histogram({
  name: 'cdp_conversion_duration_seconds',
  help: 'Upload conversions, by outcome, with their duration',
  labelNames: ['outcome'] as const,
  buckets: [0.1, 0.5, 1, 2.5, 5, 10, 30, 60, 300, 900],
  registers: [metricsRegistry],
});

export const dbPoolWaitSeconds = new Histogram({
  name: 'cdp_db_pool_wait_seconds',
  help: 'Time a transaction waited for a pooled PostgreSQL connection (DATABASE_POOL_SIZE too small shows here)',
  buckets: [0.001, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5],
  registers: [metricsRegistry],
});

/** Database pool use and queue depth are read when Prometheus scrapes, from the live objects. */
export function watchDatabase(pool: pg.Pool): void {
  metricsRegistry.removeSingleMetric('cdp_db_pool_connections');
  metricsRegistry.removeSingleMetric('cdp_job_queue_depth');
  new Gauge({
    name: 'cdp_db_pool_connections',
    help: 'PostgreSQL pool connections of this process, by state (total, idle, waiting clients)',
    labelNames: ['state'] as const,
    registers: [metricsRegistry],
    collect() {
      this.set({ state: 'total' }, pool.totalCount);
      this.set({ state: 'idle' }, pool.idleCount);
      this.set({ state: 'waiting' }, pool.waitingCount);
    },
  });
  new Gauge({
    name: 'cdp_job_queue_depth',
    help: 'Jobs in the queue (shared by every worker), by job name and state (created, retry, active)',
    labelNames: ['job', 'state'] as const,
    registers: [metricsRegistry],
    async collect() {
      this.reset();
      const { rows } = await pool.query<{ name: string; state: string; n: number }>(
        `select name, state::text, count(*)::int as n from pgboss.job
          where state in ('created', 'retry', 'active') group by name, state`,
      );
      for (const row of rows) this.set({ job: row.name, state: row.state }, row.n);
    },
  });
}
