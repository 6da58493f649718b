import { mkdir } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { peakRssMb } from './process-cpu.ts';
import { type BenchServer, demoManagerStudy, startServer } from './server.ts';
import { demoZip, pandasZip, pilotZip, upload } from './transfer.ts';

/**
 * The pilot SDTM ZIP's upload on this checkout against a baseline checkout, both servers up, the
 * uploads alternating ABBA round by round (with pandas reading the same ZIP between them), so both
 * sides share the machine's load (issue 17, x17s):
 *   node --import tsx bench/transfer-ab.ts <baseline root> [rounds]
 * The baseline root is a tree of main (`git archive main | tar -x`) with its node_modules copied in.
 * Prints, per side, the median wall time, the server's CPU (Node and PostgreSQL), the Node threads'
 * CPU by thread, and the server's own phase timings (Server-Timing) where it sends them.
 * `BENCH_TRANSFER_ZIP=demo` uploads the demo study of 3,000 subjects instead (x17h).
 */
const [baseRoot, roundsArg] = process.argv.slice(2);
if (!baseRoot) throw new Error('usage: transfer-ab.ts <baseline root> [rounds]');
const rounds = Number(roundsArg ?? 6);
const WARM_UPLOADS = 3;

interface Side {
  name: string;
  server: BenchServer;
  token: string;
  studyId: string;
  runs: Awaited<ReturnType<typeof upload>>[];
}

async function side(name: string, server: BenchServer): Promise<Side> {
  return { name, server, ...(await demoManagerStudy(server)), runs: [] };
}

const median = (values: number[]) => {
  const sorted = [...values].sort((a, b) => a - b);
  const mid = Math.floor(sorted.length / 2);
  return sorted.length % 2 ? (sorted[mid] as number) : ((sorted[mid - 1] as number) + (sorted[mid] as number)) / 2;
};

const work = path.join(os.tmpdir(), 'cdp-bench-transfer');
await mkdir(work, { recursive: true });
const pilot = process.env.BENCH_TRANSFER_ZIP === 'demo' ? await demoZip(work, 3000) : await pilotZip(work);
if (!pilot) throw new Error('the CDISC pilot SDTM is not in ../shared/data');
const servers: BenchServer[] = [];
const pandas: number[] = [];
const loads: number[] = [];
try {
  // Each kept as soon as it is up, so a baseline that fails to start does not leave this one running.
  servers.push(await startServer());
  servers.push(await startServer({}, { root: baseRoot }));
  const sides = [await side('this', servers[0] as BenchServer), await side('base', servers[1] as BenchServer)];
  for (const s of sides) {
    for (let i = 0; i < WARM_UPLOADS; i++) await upload(s.server, s.token, s.studyId, pilot.zip);
  }
  for (let round = 0; round < rounds; round++) {
    const order = round % 2 === 0 ? [sides[0], sides[1], sides[1], sides[0]] : [sides[1], sides[0], sides[0], sides[1]];
    for (const s of order) {
      if (!s) continue;
      s.runs.push(await upload(s.server, s.token, s.studyId, pilot.zip));
      loads.push(os.loadavg()[0] as number);
    }
    const read = await pandasZip(pilot.zip);
    if (read) pandas.push(read.seconds);
  }
  const summary = sides.map((s) => {
    const threads: Record<string, number> = {};
    for (const run of s.runs) {
      for (const [tid, ms] of Object.entries(run.threads)) threads[tid] = (threads[tid] ?? 0) + ms / s.runs.length;
    }
    const nodeCpu = s.runs.map((r) => Object.values(r.threads).reduce((a, b) => a + b, 0));
    return {
      side: s.name,
      uploads: s.runs.length,
      medianWallMs: Math.round(median(s.runs.map((r) => r.seconds * 1000))),
      wallMs: s.runs.map((r) => Math.round(r.seconds * 1000)),
      medianServerCpuMs: median(s.runs.map((r) => r.serverCpuMs ?? 0)),
      medianNodeCpuMs: median(nodeCpu),
      medianBusiestThreadMs: median(s.runs.map((r) => r.busiestThreadMs)),
      meanThreadMs: Object.fromEntries(
        Object.entries(threads)
          .filter(([, ms]) => ms >= 5)
          .sort((a, b) => b[1] - a[1])
          .map(([tid, ms]) => [tid, Math.round(ms)]),
      ),
      serverTiming: s.runs.map((r) => r.serverTiming).filter(Boolean),
      peakRssMb: peakRssMb(s.server.pid()),
    };
  });
  console.log(
    JSON.stringify(
      {
        rounds,
        load: { min: Math.min(...loads), max: Math.max(...loads) },
        pandasMedianMs: Math.round(median(pandas) * 1000),
        sides: summary,
      },
      null,
      2,
    ),
  );
} finally {
  for (const server of servers) await server.cleanup();
}
