import { execFile } from 'node:child_process';
import { existsSync, openAsBlob, readdirSync, readFileSync } from 'node:fs';
import { mkdir, readdir, rename, rm, stat } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { promisify } from 'node:util';
import { writeXpt } from '@cdp/formats';
import { sharedData } from '@cdp/formats/testing';
import { generateDemoStudy } from '../apps/server/src/demo/generate-study.ts';
import { treeCpuSeconds } from './process-cpu.ts';
import { type BenchServer, demoManagerStudy, ROOT } from './server.ts';

const run = promisify(execFile);
const PYTHON = '/usr/bin/python3';

/** pandas reading every XPT member of a ZIP from the archive itself, as a script for a transfer would. */
const PANDAS_ZIP = `
import io, json, resource, sys, time, zipfile
import pandas as pd
t = time.perf_counter()
rows = 0
members = 0
with zipfile.ZipFile(sys.argv[1]) as z:
    for name in z.namelist():
        if name.lower().endswith('.xpt'):
            rows += len(pd.read_sas(io.BytesIO(z.read(name)), format='xport'))
            members += 1
seconds = time.perf_counter() - t
print(json.dumps({"rows": rows, "members": members, "seconds": seconds, "maxRssMb": resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024}))
`;

interface Transfer {
  label: string;
  zip: string;
}

/** The CDISC pilot SDTM, every file of the folder (define.xml too, as a sponsor sends it), zipped. */
export async function pilotZip(work: string): Promise<Transfer | null> {
  const folder = sharedData('cdiscpilot01', 'sdtm-original');
  if (!existsSync(folder)) return null;
  const zip = path.join(work, 'cdiscpilot01-sdtm.zip');
  if (!existsSync(zip)) {
    const files = (await readdir(folder)).filter((f) => /\.(xpt|xml)$/i.test(f)).map((f) => path.join(folder, f));
    await run('zip', ['-q', '-j', `${zip}.partial.zip`, ...files]);
    await rename(`${zip}.partial.zip`, zip);
  }
  return { label: 'CDISC pilot SDTM (cdiscpilot01/sdtm-original) as one ZIP', zip };
}

/** The demo generator's study of `subjects` subjects as XPT, one file per domain, zipped. */
export async function demoZip(work: string, subjects: number): Promise<Transfer> {
  const zip = path.join(work, `demo-${subjects}-xpt.zip`);
  if (!existsSync(zip)) {
    const folder = path.join(work, `demo-${subjects}`);
    await rm(folder, { recursive: true, force: true });
    await mkdir(folder, { recursive: true });
    const files: string[] = [];
    for (const reader of generateDemoStudy({ subjects, sites: 40 })) {
      const file = path.join(folder, `${reader.info.name.toLowerCase()}.xpt`);
      await writeXpt(file, [reader]);
      files.push(file);
    }
    await run('zip', ['-q', '-j', `${zip}.partial.zip`, ...files]);
    await rename(`${zip}.partial.zip`, zip);
    await rm(folder, { recursive: true, force: true });
  }
  return {
    label: `demo study of ${subjects.toLocaleString('en-US')} subjects as XPT (cdp demo generate), one ZIP`,
    zip,
  };
}

/** The conversion alone, in a process of its own: its time and peak memory. */
async function convertAlone(zip: string, work: string) {
  const out = path.join(work, `${path.basename(zip)}.out`);
  await rm(out, { recursive: true, force: true });
  const { stdout } = await run(
    process.execPath,
    ['--import', 'tsx', path.join(ROOT, 'bench/convert-one.ts'), 'upload', zip, out],
    { cwd: ROOT, maxBuffer: 1 << 20 },
  );
  await rm(out, { recursive: true, force: true });
  return JSON.parse(stdout.trim().split('\n').pop() ?? '{}') as {
    rows: number;
    seconds: number;
    cpuSeconds: number;
    maxRssMb: number;
  };
}

/**
 * Members read in place against extracted first (issue 17), and the whole-buffer size limit, in
 * one warm process with the variants interleaved (`zip-members.ts`).
 */
async function membersInPlace(zip: string, work: string) {
  const { stdout } = await run(
    process.execPath,
    ['--import', 'tsx', path.join(ROOT, 'bench/zip-members.ts'), zip, work, process.env.BENCH_ZIP_ROUNDS ?? '3'],
    { cwd: ROOT, maxBuffer: 1 << 20 },
  );
  return JSON.parse(stdout.trim().split('\n').pop() ?? '{}') as Record<string, unknown>;
}

export async function pandasZip(zip: string) {
  try {
    const { stdout } = await run(PYTHON, ['-c', PANDAS_ZIP, zip], { maxBuffer: 1 << 20 });
    return JSON.parse(stdout.trim()) as { rows: number; members: number; seconds: number; maxRssMb: number };
  } catch (error) {
    console.warn(`pandas could not read ${zip}: ${(error as Error).message.split('\n')[0]}`);
    return null;
  }
}

/** Uploads after the second, whose median is the steady figure (BENCH_TRANSFER_STEADY, default 5). */
const STEADY_UPLOADS = Math.max(1, Number(process.env.BENCH_TRANSFER_STEADY ?? 5));

function medianOf(values: number[]): number {
  const sorted = [...values].sort((a, b) => a - b);
  const mid = Math.floor(sorted.length / 2);
  return sorted.length % 2 ? (sorted[mid] as number) : ((sorted[mid - 1] as number) + (sorted[mid] as number)) / 2;
}

/** /proc's clock ticks per second (USER_HZ: 100 on Linux whatever the kernel's own tick rate). */
const TICKS_PER_SECOND = 100;

/** CPU milliseconds each thread of a process used so far (Linux /proc; empty elsewhere). */
function threadCpuMs(pid: number | undefined): Map<string, number> {
  const threads = new Map<string, number>();
  if (pid === undefined) return threads;
  try {
    for (const tid of readdirSync(`/proc/${pid}/task`)) {
      const stat = readFileSync(`/proc/${pid}/task/${tid}/stat`, 'utf8');
      const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
      threads.set(tid, ((Number(fields[11]) + Number(fields[12])) * 1000) / TICKS_PER_SECOND);
    }
  } catch {
    // No /proc, or a thread ended while read.
  }
  return threads;
}

/**
 * POST /api/studies/:id/uploads of the ZIP, timed from the first byte sent to the version committed
 * (201), with the CPU the server (and its PostgreSQL) used for it and its busiest thread's share:
 * the part no second core can take over, which on a loaded machine says more than the wall time.
 */
export async function upload(server: BenchServer, token: string, studyId: string, zip: string) {
  const body = new FormData();
  body.append('file', await openAsBlob(zip), path.basename(zip));
  const cpuBefore = treeCpuSeconds(server.pid());
  const threadsBefore = threadCpuMs(server.pid());
  const started = performance.now();
  const res = await fetch(`${server.url}/api/studies/${studyId}/uploads`, {
    method: 'POST',
    headers: { authorization: `Bearer ${token}` },
    body,
  });
  const text = await res.text();
  const seconds = (performance.now() - started) / 1000;
  const cpuAfter = treeCpuSeconds(server.pid());
  let busiestThreadMs = 0;
  // Each thread's CPU for this upload, named by its id's distance from the process id (the main
  // thread is +0; V8's platform threads, started first, come right after it).
  const threads: Record<string, number> = {};
  for (const [tid, ms] of threadCpuMs(server.pid())) {
    const used = ms - (threadsBefore.get(tid) ?? 0);
    busiestThreadMs = Math.max(busiestThreadMs, used);
    if (used > 0) threads[`+${Number(tid) - (server.pid() ?? 0)}`] = used;
  }
  const serverCpuMs = cpuBefore === null || cpuAfter === null ? null : Math.round((cpuAfter - cpuBefore) * 1000);
  if (res.status !== 201)
    throw new Error(`upload of ${path.basename(zip)} answered ${res.status}: ${text.slice(0, 300)}`);
  const created = JSON.parse(text) as { data: { datasets: { rows: number }[] } };
  const rows = created.data.datasets.reduce((sum, d) => sum + d.rows, 0);
  const serverTiming = res.headers.get('server-timing');
  return { seconds, rows, datasets: created.data.datasets.length, serverCpuMs, busiestThreadMs, threads, serverTiming };
}

/**
 * Multi-domain transfers as they arrive: a ZIP of 7 to 20 SAS transport files uploaded over HTTP
 * until the version is committed, beside the conversion alone (own process: time and peak memory)
 * and pandas reading every member from the same ZIP. `BENCH_DEMO_SUBJECTS` changes the demo size.
 */
export async function benchTransfers(server: BenchServer) {
  const work = path.join(os.tmpdir(), 'cdp-bench-transfer');
  await mkdir(work, { recursive: true });
  const transfers = [await pilotZip(work), await demoZip(work, Number(process.env.BENCH_DEMO_SUBJECTS ?? 3000))].filter(
    (t): t is Transfer => t !== null,
  );
  const { token, studyId } = await demoManagerStudy(server);
  const results = [];
  for (const transfer of transfers) {
    // Twice: the first upload may start a conversion worker (kept for the next one), the second
    // is what a server that has converted before answers.
    const first = await upload(server, token, studyId, transfer.zip);
    const http = await upload(server, token, studyId, transfer.zip);
    // The second upload runs on a conversion worker whose start-up warm-up the first one stopped
    // (on purpose: an upload never waits for it) and has converted about twice; a server up for a
    // while converts with code the JIT has compiled. Both are reported: the steady figure is the
    // median of the next uploads (issue 17, x17z).
    const steady: Awaited<ReturnType<typeof upload>>[] = [];
    for (let i = 0; i < STEADY_UPLOADS; i++) steady.push(await upload(server, token, studyId, transfer.zip));
    const alone = await convertAlone(transfer.zip, work);
    const pandas = await pandasZip(transfer.zip);
    const members = await membersInPlace(transfer.zip, work);
    const row = {
      transfer: transfer.label,
      zipMb: Number(((await stat(transfer.zip)).size / 1024 / 1024).toFixed(1)),
      datasets: http.datasets,
      rows: http.rows,
      cdp: {
        uploadSeconds: Number(http.seconds.toFixed(2)),
        firstUploadSeconds: Number(first.seconds.toFixed(2)),
        steadyUploadSeconds: Number(medianOf(steady.map((r) => r.seconds)).toFixed(3)),
        steadyServerCpuMs: Math.round(medianOf(steady.map((r) => r.serverCpuMs ?? 0))),
        steadyServerTiming: steady.map((r) => r.serverTiming),
        serverCpuMs: http.serverCpuMs,
        busiestServerThreadMs: http.busiestThreadMs,
        note: 'HTTP upload in, every member converted to Parquet, version committed (201); the second upload of the run (the first is firstUploadSeconds; steadyUploadSeconds the median of the next BENCH_TRANSFER_STEADY uploads)',
        conversionSeconds: Number(alone.seconds.toFixed(2)),
        conversionCpuSeconds: Number(alone.cpuSeconds.toFixed(2)),
        conversionPeakRssMb: Math.round(alone.maxRssMb),
        // Warm, one process, interleaved: members read in place (default), every member streamed,
        // members up to 8 MiB inflated whole, and every member extracted to disk first (before).
        membersInPlace: members,
      },
      pandas: pandas
        ? {
            seconds: Number(pandas.seconds.toFixed(2)),
            peakRssMb: Math.round(pandas.maxRssMb),
            rows: pandas.rows,
            members: pandas.members,
            note: 'read_sas of every .xpt member from the same ZIP into DataFrames only',
          }
        : null,
      uploadSpeedup: pandas ? Number((pandas.seconds / http.seconds).toFixed(2)) : null,
      steadyUploadSpeedup: pandas ? Number((pandas.seconds / medianOf(steady.map((r) => r.seconds))).toFixed(2)) : null,
      conversionSpeedup: pandas ? Number((pandas.seconds / alone.seconds).toFixed(2)) : null,
    };
    console.log(JSON.stringify(row));
    results.push(row);
  }
  return { results, note: 'same machine, same run; pandas 1.5 from Debian python3-pandas' };
}
