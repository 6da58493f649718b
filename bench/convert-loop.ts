import { readdirSync, readFileSync } from 'node:fs';
import { mkdir, rm } from 'node:fs/promises';
import path from 'node:path';
import v8 from 'node:v8';
import { convertUpload, warmMemberThreads } from '@cdp/formats';

/**
 * One upload converted again and again in one process, as the server's kept conversion worker does
 * (this thread converts, with its member and encoder threads), printing per conversion its wall
 * and CPU milliseconds and each thread's CPU by its id's distance from the process id (+0 this
 * thread, small offsets V8's platform threads and libuv's pool, large ones the member and encoder
 * threads): `convert-loop.ts <zip> <work> [conversions]`. `BENCH_HEAP_GROWING_PERCENT` sets V8's
 * heap growing factor first, as `cdp` does with V8_HEAP_GROWING_PERCENT (issue 17, x17h); run
 * with `--trace-gc` to count the mark-compacts.
 */
const [zip, work, count] = process.argv.slice(2);
if (!zip || !work) throw new Error('usage: convert-loop.ts <zip> <work> [conversions]');
if (process.env.BENCH_HEAP_GROWING_PERCENT) {
  v8.setFlagsFromString(`--heap-growing-percent=${process.env.BENCH_HEAP_GROWING_PERCENT}`);
}

/** CPU milliseconds of each thread of this process so far (Linux /proc, USER_HZ 100). */
function threadCpuMs(): Map<string, number> {
  const threads = new Map<string, number>();
  for (const tid of readdirSync('/proc/self/task')) {
    try {
      const stat = readFileSync(`/proc/self/task/${tid}/stat`, 'utf8');
      const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
      threads.set(tid, (Number(fields[11]) + Number(fields[12])) * 10);
    } catch {
      // The thread ended while read.
    }
  }
  return threads;
}

await warmMemberThreads();
for (let i = 0; i < Number(count ?? 6); i++) {
  const out = path.join(work, `convert-loop-${process.pid}`);
  await rm(out, { recursive: true, force: true });
  await mkdir(out, { recursive: true });
  const before = threadCpuMs();
  const cpu = process.cpuUsage();
  const started = performance.now();
  await convertUpload(zip, path.basename(zip), out, { memoryLimit: '256MB' });
  const wall = performance.now() - started;
  const used = process.cpuUsage(cpu);
  const threads: Record<string, number> = {};
  for (const [tid, ms] of threadCpuMs()) {
    const spent = ms - (before.get(tid) ?? 0);
    if (spent >= 10) threads[`+${Number(tid) - process.pid}`] = spent;
  }
  const cpuMs = Math.round((used.user + used.system) / 1000);
  console.log(JSON.stringify({ i, wall: Math.round(wall), cpu: cpuMs, per: threads }));
  await rm(out, { recursive: true, force: true });
}
console.log(JSON.stringify({ peakRssMb: Math.round(process.resourceUsage().maxRSS / 1024) }));
