import os from 'node:os';
import { loadStudies, prepareBenchUsers } from './api-studies.ts';
import { peakRssMb, treeCpuSeconds } from './process-cpu.ts';
import { type BenchServer, startServer } from './server.ts';

/**
 * `GET /api/studies` from 40 users on this checkout against a baseline checkout, both servers up,
 * the loads alternating ABBA so both share the machine's load (issue 17, x17h: a process-wide V8
 * setting must not cost the API its latency):
 *   node --import tsx bench/api-studies-ab.ts <baseline root> [rounds]
 * `BENCH_DURATION` seconds per load (default 10). Prints per side and load its p50/p95/p99, the
 * requests served, the server's CPU per request (Node and PostgreSQL) and its peak RSS.
 */
const [baseRoot, roundsArg] = process.argv.slice(2);
if (!baseRoot) throw new Error('usage: api-studies-ab.ts <baseline root> [rounds]');
const rounds = Number(roundsArg ?? 2);
const seconds = Number(process.env.BENCH_DURATION ?? 10);

const servers: BenchServer[] = [];
try {
  servers.push(await startServer());
  servers.push(await startServer({}, { root: baseRoot }));
  const sides = await Promise.all(
    ['this', 'base'].map(async (name, i) => {
      const server = servers[i] as BenchServer;
      return { name, server, tokens: await prepareBenchUsers(server), runs: [] as Record<string, unknown>[] };
    }),
  );
  // One short load each first: the routes compiled and the sessions cached, as in a running API.
  for (const s of sides) await loadStudies(s.server, s.tokens, { durationSeconds: 3 });
  for (let round = 0; round < rounds; round++) {
    const order = round % 2 === 0 ? [0, 1, 1, 0] : [1, 0, 0, 1];
    for (const i of order) {
      const s = sides[i] as (typeof sides)[number];
      const load = os.loadavg()[0] as number;
      const before = treeCpuSeconds(s.server.pid());
      const result = await loadStudies(s.server, s.tokens, { durationSeconds: seconds });
      const after = treeCpuSeconds(s.server.pid());
      const cpuMsPerRequest =
        before === null || after === null ? null : Number((((after - before) * 1000) / result.requests).toFixed(2));
      s.runs.push({
        load: Number(load.toFixed(1)),
        ...result.latencyMs,
        requests: result.requests,
        errors: result.errors,
        cpuMsPerRequest,
      });
    }
  }
  console.log(
    JSON.stringify(
      sides.map((s) => ({ side: s.name, peakRssMb: peakRssMb(s.server.pid()), runs: s.runs })),
      null,
      2,
    ),
  );
} finally {
  for (const server of servers) await server.cleanup();
}
