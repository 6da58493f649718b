import { QueryEngine } from '@cdp/analytics';
import type { DashboardDataFilter } from '@cdp/contracts';
import type { DuckDBConnection } from '@duckdb/node-api';
import { runDashboardPage } from '../apps/server/src/dashboards/run-dashboard-page.ts';
import { overviewDashboard, study, versionOf } from './overview-study.ts';

/**
 * Where a start-burst page's DuckDB CPU goes: n Overview pages on `overview-study.ts`'s study asked
 * at once (each in its own turn of the event loop, each a new age range, as the load bench's 40
 * users start), every SQL text the engine ran kept with its values; then each is replayed alone on
 * the engine's own connection (its base tables and copies), one thread, `runs` times, and its median
 * CPU summed by what it answers (the widget, or "folded" for a query answering several pages).
 * `node --import tsx bench/burst-queries.ts [pages] [runs]`; prints per kind: queries, CPU in all,
 * CPU per page; `OVERVIEW_QUERY=<part of the SQL>` prints those queries whole.
 */
interface Captured {
  sql: string;
  params: unknown[];
}

const cpuMs = () => {
  const u = process.cpuUsage();
  return (u.user + u.system) / 1000;
};

/** A query's kind, from its SQL: which widget of the Overview's first page it answers. */
function kindOf(sql: string): string {
  const s = sql.replace(/\s+/g, ' ');
  const folded = /"f1_/.test(s) ? ' (folded)' : /cdp_part_/.test(s) ? ' (partial)' : '';
  if (/count\(DISTINCT|count\(t0\."\w+"\) = count/.test(s) && s.length < 300) return 'first check of a file';
  if (/"LBSTRESN"/.test(s)) return `ALT by Visit${folded}`;
  if (/"AEBODSYS"/.test(s) && /WITH base/.test(s)) return `AE by body system (top N)${folded}`;
  if (/"DSDECOD"/.test(s) && /WITH base/.test(s)) return `DS top N${folded}`;
  if (/"AESTDTC"/.test(s)) return `AE trend${folded}`;
  if (/_g0 AS "outcome"/.test(s)) return `Subject Flow (DS)${folded}`;
  if (/"f0_events"|AS "events"/.test(s)) return `AE key figures${folded}`;
  if (/"screened"/.test(s) && /"SITEID"/.test(s)) return `Site Summary (DM)${folded}`;
  if (/"SITEID"/.test(s) && /IN \(SELECT/.test(s)) return `Site Summary semi-join${folded}`;
  if (/"SITEID"/.test(s)) return `Site Summary semi-join${folded}`;
  if (/"screenFailures"|"f\d+_screenFailures"/.test(s)) return `Subject Flow (DM)${folded}`;
  if (/"RFICDTC"|"RFSTDTC"/.test(s) && /date_trunc/.test(s)) return `Enrollment trend${folded}`;
  if (/"age_mean"/.test(s)) return `Demographics age${folded}`;
  if (/"SEX"|"RACE"|"ETHNIC"/.test(s)) return `Demographics by arm${folded}`;
  if (/"ARMCD"/.test(s)) return `DM key figures${folded}`;
  return `other: ${s.slice(0, 80)}${folded}`;
}

async function main() {
  const manifest = await study();
  const found = overviewDashboard(manifest);
  const version = versionOf(manifest, 'v1');
  const partials = process.env.OVERVIEW_PARTIALS !== 'false';
  const engine = new QueryEngine({ memoryLimit: '1GB', threads: 1, maxConcurrent: 4, partials });
  const captured: Captured[] = [];
  const internals = engine as unknown as {
    read: (connection: DuckDBConnection, compiled: Captured) => Promise<unknown>;
    acquire: () => Promise<DuckDBConnection>;
  };
  const read = internals.read.bind(engine);
  let capturing = false;
  internals.read = (connection, compiled) => {
    if (capturing) captured.push({ sql: compiled.sql, params: compiled.params });
    return read(connection, compiled);
  };
  const pages = Number(process.argv[2] ?? 40);
  const runs = Number(process.argv[3] ?? 5);
  let seed = 7;
  const next = () => {
    seed = (seed * 1664525 + 1013904223) >>> 0;
    return seed / 2 ** 32;
  };
  const range = (): DashboardDataFilter[] => {
    const low = 18 + Math.floor(next() * 40);
    const high = low + 5 + Math.floor(next() * 45);
    return [
      { field: 'age', op: 'ge', value: low },
      { field: 'age', op: 'le', value: high },
    ];
  };
  // Warmed as a started server is: one page without filters (copies, base tables, file checks).
  await Promise.all(runDashboardPage(engine, found, version, undefined, []).answers);
  capturing = true;
  const before = cpuMs();
  const runsOf: ReturnType<typeof runDashboardPage>[] = [];
  for (let i = 0; i < pages; i++) {
    runsOf.push(runDashboardPage(engine, found, version, undefined, range()));
    await new Promise((resolve) => setImmediate(resolve));
  }
  const answers = (await Promise.all(runsOf.map((r) => Promise.all(r.answers)))).flat();
  const burstCpu = cpuMs() - before;
  capturing = false;
  if (answers.some((a) => 'error' in a && a.error)) throw new Error('a widget failed');
  console.log(
    `${pages} pages at once: ${captured.length} queries, process CPU ${burstCpu.toFixed(0)} ms (${(burstCpu / pages).toFixed(1)} ms a page)`,
  );
  const connection = await internals.acquire();
  const byKind = new Map<string, { queries: number; ms: number }>();
  let total = 0;
  for (const query of captured) {
    const statement = await connection.prepare(query.sql);
    const times: number[] = [];
    for (let i = 0; i < runs + 1; i++) {
      statement.clearBindings();
      if (query.params.length > 0) statement.bind(query.params as never);
      const t = cpuMs();
      await statement.run();
      if (i >= 1) times.push(cpuMs() - t);
    }
    statement.destroySync();
    const median = [...times].sort((a, b) => a - b)[Math.floor(times.length / 2)] ?? 0;
    const kind = kindOf(query.sql);
    const entry = byKind.get(kind) ?? { queries: 0, ms: 0 };
    entry.queries++;
    entry.ms += median;
    byKind.set(kind, entry);
    total += median;
    if (process.env.OVERVIEW_QUERY && query.sql.includes(process.env.OVERVIEW_QUERY)) console.log(query.sql);
  }
  console.log('| kind | queries | DuckDB CPU replayed (ms) | per page (ms) |');
  console.log('|---|---|---|---|');
  for (const [kind, { queries, ms }] of [...byKind].sort((a, b) => b[1].ms - a[1].ms)) {
    console.log(`| ${kind} | ${queries} | ${ms.toFixed(1)} | ${(ms / pages).toFixed(2)} |`);
  }
  console.log(`| all | ${captured.length} | ${total.toFixed(1)} | ${(total / pages).toFixed(2)} |`);
  await engine.close();
}

await main();
