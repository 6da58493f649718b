import { execFileSync } from 'node:child_process';
import { readdirSync, readFileSync } from 'node:fs';

const TICKS_PER_SECOND = Number(execFileSync('getconf', ['CLK_TCK']).toString().trim()) || 100;

/**
 * CPU seconds (user + system) used so far by a process and all its descendants, from /proc (Linux):
 * for `cdp start`, the Node server and the embedded PostgreSQL with its backends. Unlike latency,
 * CPU per request hardly depends on what else the machine runs, so it compares runs made under
 * different loads. Null where /proc is missing.
 */
export function treeCpuSeconds(rootPid: number | undefined): number | null {
  if (rootPid === undefined) return null;
  try {
    return treesCpuSeconds([rootPid]).get(rootPid) ?? 0;
  } catch {
    return null;
  }
}

function ticksOfStat(stat: string): number {
  const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
  return Number(fields[11]) + Number(fields[12]);
}

/**
 * `treeCpuSeconds` split three ways, for where a request's CPU goes: the server's main thread
 * (JavaScript: routes, widget code, serialization), its other threads (DuckDB runs its queries on
 * libuv's worker threads; V8's GC helpers are there too, a small share) and its descendant
 * processes (the embedded PostgreSQL and its backends). Null where /proc is missing.
 */
export function cpuSplitSeconds(
  rootPid: number | undefined,
): { main: number; threads: number; children: number } | null {
  if (rootPid === undefined) return null;
  const total = treeCpuSeconds(rootPid);
  if (total === null) return null;
  try {
    let main = 0;
    let threads = 0;
    for (const tid of readdirSync(`/proc/${rootPid}/task`)) {
      try {
        const ticks = ticksOfStat(readFileSync(`/proc/${rootPid}/task/${tid}/stat`, 'utf8'));
        if (Number(tid) === rootPid) main += ticks;
        else threads += ticks;
      } catch {
        // The thread ended while we read (its time stays in the process's total).
      }
    }
    const own = ticksOfStat(readFileSync(`/proc/${rootPid}/stat`, 'utf8')) / TICKS_PER_SECOND;
    main /= TICKS_PER_SECOND;
    // Threads that ended are counted in the process's own total but not under task/.
    threads = Math.max(threads / TICKS_PER_SECOND, own - main);
    return { main, threads, children: Math.max(0, total - own) };
  } catch {
    return null;
  }
}

/**
 * CPU seconds used so far by each of several process trees, from one scan of /proc (a scan per
 * tree each second would cost the machine more than the load generator's own work).
 */
export function treesCpuSeconds(rootPids: number[]): Map<number, number> {
  const out = new Map(rootPids.map((pid) => [pid, 0]));
  const parentOf = new Map<number, number>();
  const ticksOf = new Map<number, number>();
  for (const entry of readdirSync('/proc')) {
    if (!/^\d+$/.test(entry)) continue;
    try {
      const stat = readFileSync(`/proc/${entry}/stat`, 'utf8');
      const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
      parentOf.set(Number(entry), Number(fields[1]));
      ticksOf.set(Number(entry), Number(fields[11]) + Number(fields[12]));
    } catch {
      // The process ended while we read.
    }
  }
  for (const [pid, own] of ticksOf) {
    let at: number | undefined = pid;
    while (at !== undefined && at > 1 && !out.has(at)) at = parentOf.get(at);
    if (at !== undefined && out.has(at)) out.set(at, (out.get(at) ?? 0) + own / TICKS_PER_SECOND);
  }
  return out;
}

/** A process's peak resident memory so far (Linux `VmHWM`), in MB; null elsewhere. */
export function peakRssMb(pid: number | undefined): number | null {
  if (pid === undefined) return null;
  try {
    const match = /VmHWM:\s+(\d+) kB/.exec(readFileSync(`/proc/${pid}/status`, 'utf8'));
    return match ? Math.round(Number(match[1]) / 1024) : null;
  } catch {
    return null;
  }
}
