import { QueryEngine } from '@cdp/analytics';
import type { DashboardDataFilter } from '@cdp/contracts';
import type { DuckDBConnection } from '@duckdb/node-api';
import { runDashboardPage } from '../apps/server/src/dashboards/run-dashboard-page.ts';
import { overviewDashboard, study, versionOf } from './overview-study.ts';

/**
 * The Overview's DuckDB queries one by one: a page on `overview-study.ts`'s study is run once (age
 * 32–39 unless `OVERVIEW_AGE_LOW`/`OVERVIEW_AGE_HIGH` say otherwise), every SQL text the engine ran
 * is kept with its values, and each is replayed alone on the engine's own connection (its base
 * tables and keyed copies), `runs` times, one thread; prints the median CPU per query.
 * `node --import tsx bench/overview-queries.ts [runs]`; `OVERVIEW_QUERY=<part of the SQL>` replays
 * only the queries holding it, `OVERVIEW_FULL=1` prints each SQL whole.
 */
interface Captured {
  sql: string;
  params: unknown[];
}

const cpuMs = () => {
  const u = process.cpuUsage();
  return (u.user + u.system) / 1000;
};

async function main() {
  const manifest = await study();
  const found = overviewDashboard(manifest);
  const version = versionOf(manifest, 'v1');
  const engine = new QueryEngine({ memoryLimit: '1GB', threads: 1 });
  const captured: Captured[] = [];
  // The engine's private `read` sees every compiled query it runs (over files, base tables or copies).
  const internals = engine as unknown as {
    read: (connection: DuckDBConnection, compiled: Captured) => Promise<unknown>;
    acquire: () => Promise<DuckDBConnection>;
  };
  const read = internals.read.bind(engine);
  internals.read = (connection, compiled) => {
    captured.push({ sql: compiled.sql, params: compiled.params });
    return read(connection, compiled);
  };
  const filters: DashboardDataFilter[] = [
    { field: 'age', op: 'ge', value: Number(process.env.OVERVIEW_AGE_LOW ?? 32) },
    { field: 'age', op: 'le', value: Number(process.env.OVERVIEW_AGE_HIGH ?? 39) },
  ];
  const answers = await Promise.all(runDashboardPage(engine, found, version, undefined, filters).answers);
  if (answers.some((a) => 'error' in a && a.error)) throw new Error(JSON.stringify(answers));
  const connection = await internals.acquire();
  const runs = Number(process.argv[2] ?? 20);
  const only = process.env.OVERVIEW_QUERY;
  let total = 0;
  for (const query of captured) {
    if (only && !query.sql.includes(only)) continue;
    const times: number[] = [];
    const statement = await connection.prepare(query.sql);
    for (let i = 0; i < runs + 2; i++) {
      statement.clearBindings();
      if (query.params.length > 0) statement.bind(query.params as never);
      const before = cpuMs();
      await statement.run();
      if (i >= 2) times.push(cpuMs() - before);
    }
    statement.destroySync();
    const median = [...times].sort((a, b) => a - b)[Math.floor(times.length / 2)] ?? 0;
    total += median;
    console.log(
      `${median.toFixed(2).padStart(7)} ms  ${process.env.OVERVIEW_FULL ? query.sql : query.sql.replace(/\s+/g, ' ').slice(0, 150)}`,
    );
  }
  console.log(`${total.toFixed(1).padStart(7)} ms  in all (${captured.length} queries)`);
  await engine.close();
}

await main();
