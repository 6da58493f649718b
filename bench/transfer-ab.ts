import { readFileSync } from 'node:fs';
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
 * Both sides first settle (BENCH_TRANSFER_SETTLE seconds), then upload three times, taking turns:
 * those first uploads (a new server's, then its second and third) are reported one by one.
 * Prints, per side, the median wall time, the server's CPU (Node and PostgreSQL), the Node threads'
 * CPU by thread, and the server's own phase timings (Server-Timing) where it sends them.
 * `BENCH_TRANSFER_ZIP=demo` uploads the demo study of 3,000 subjects instead (x17h).
 */
const [baseRoot, roundsArg] = process.argv.slice(2);
if (!baseRoot) throw new Error('usage: transfer-ab.ts <baseline root> [rounds]');
const rounds = Number(roundsArg ?? 6);
const WARM_UPLOADS = 3;
/**
 * Seconds both servers sit idle after start before their first upload (BENCH_TRANSFER_SETTLE,
 * default 30): the first upload then finds what a server that started a while ago offers (this
 * side's start-up warm-up done), and is reported apart from the later ones.
 */
const SETTLE_SECONDS = Number(process.env.BENCH_TRANSFER_SETTLE ?? 30);

interface Side {
  name: string;
  server: BenchServer;
  token: string;
  studyId: string;
  runs: Awaited<ReturnType<typeof upload>>[];
  /** The side's first uploads after it settled, in order. */
  first: Awaited<ReturnType<typeof upload>>[];
}

async function side(name: string, server: BenchServer): Promise<Side> {
  return { name, server, ...(await demoManagerStudy(server)), runs: [], first: [] };
}

const median = (values: number[]) => {
  const sorted = [...values].sort((a, b) => a - b);
  const mid = Math.floor(sorted.length / 2);
  return sorted.length % 2 ? (sorted[mid] as number) : ((sorted[mid - 1] as number) + (sorted[mid] as number)) / 2;
};

/** VmRSS of a process in MB (Linux /proc), or null. */
function rssMb(pid: number | undefined): number | null {
  try {
    const status = readFileSync(`/proc/${pid}/status`, 'utf8');
    return Math.round(Number(/VmRSS:\s+(\d+)/.exec(status)?.[1]) / 1024);
  } catch {
    return null;
  }
}

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
  await new Promise((resolve) => setTimeout(resolve, SETTLE_SECONDS * 1000));
  const settledRssMb = sides.map((s) => rssMb(s?.server.pid()));
  // The first and the next warm uploads, the sides taking turns (ABBA), kept apart from the rounds.
  for (let i = 0; i < WARM_UPLOADS; i++) {
    for (const s of i % 2 === 0 ? sides : [...sides].reverse()) {
      if (s) s.first.push(await upload(s.server, s.token, s.studyId, pilot.zip));
    }
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
  const summary = sides.map((s, i) => {
    const threads: Record<string, number> = {};
    for (const run of s.runs) {
      for (const [tid, ms] of Object.entries(run.threads)) threads[tid] = (threads[tid] ?? 0) + ms / s.runs.length;
    }
    const nodeCpu = s.runs.map((r) => Object.values(r.threads).reduce((a, b) => a + b, 0));
    return {
      side: s.name,
      uploads: s.runs.length,
      // The Node server's resident memory before its first upload (the kept conversion worker's
      // share shows here), and after the last.
      rssMb: { settled: settledRssMb[i], end: rssMb(s.server.pid()) },
      firstUploads: s.first.map((r) => ({
        wallMs: Math.round(r.seconds * 1000),
        serverCpuMs: r.serverCpuMs,
        busiestThreadMs: r.busiestThreadMs,
      })),
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
