import { readFileSync } from 'node:fs';
import { monitorEventLoopDelay } from 'node:perf_hooks';
import pg from 'pg';
import { cpuSplitSeconds, treeCpuSeconds, treesCpuSeconds } from './process-cpu.ts';

/**
 * Where a request's time goes under the cluster bench's load (issue 18): CPU of every process over
 * the load and of the whole machine (is it saturated, and by whom: the API processes, the workers,
 * PostgreSQL, the load generator, or something else on the machine), the API processes' own
 * figures from their /metrics (event-loop delay, pool waits, server-side request time), and what
 * PostgreSQL's backends were doing (sampled pg_stat_activity: running, waiting for a lock).
 */

export interface ProbedProcess {
  role: string;
  pid: number;
  /** the admin listener's /metrics, where the process has one */
  metricsUrl?: string;
}

const TICKS_PER_SECOND = 100;

/** Busy and total CPU ticks of the whole machine, from /proc/stat's first line. */
function machineTicks(): { busy: number; total: number } {
  const fields = (readFileSync('/proc/stat', 'utf8').split('\n')[0] ?? '').trim().split(/\s+/).slice(1).map(Number);
  const total = fields.reduce((sum, v) => sum + v, 0);
  // idle and iowait are the 4th and 5th fields
  return { busy: total - (fields[3] ?? 0) - (fields[4] ?? 0), total };
}

/** A Prometheus text scrape as name{labels} → value. */
async function scrape(url: string): Promise<Map<string, number>> {
  const text = await (await fetch(url)).text();
  const values = new Map<string, number>();
  for (const line of text.split('\n')) {
    if (line.startsWith('#') || line.trim() === '') continue;
    const at = line.lastIndexOf(' ');
    values.set(line.slice(0, at), Number(line.slice(at + 1)));
  }
  return values;
}

/** Quantile of a Prometheus histogram from cumulative bucket counts (the bucket's upper bound, no interpolation). */
function histogramQuantile(buckets: [number, number][], q: number): number | null {
  const total = buckets.at(-1)?.[1] ?? 0;
  if (total === 0) return null;
  for (const [le, count] of buckets) if (count >= q * total) return le;
  return Number.POSITIVE_INFINITY;
}

/** The delta between two scrapes of one histogram, by label set (the `le` label taken out). */
function histogramDelta(
  before: Map<string, number>,
  after: Map<string, number>,
  name: string,
  group: (labels: string) => string | null,
): Map<string, [number, number][]> {
  const out = new Map<string, Map<number, number>>();
  for (const [key, value] of after) {
    if (!key.startsWith(`${name}_bucket{`)) continue;
    const labels = key.slice(name.length + 8, -1);
    const le = /le="([^"]+)"/.exec(labels)?.[1];
    const groupKey = group(labels.replace(/,?le="[^"]+"/, ''));
    if (le === undefined || groupKey === null) continue;
    const bound = le === '+Inf' ? Number.POSITIVE_INFINITY : Number(le);
    const buckets = out.get(groupKey) ?? new Map<number, number>();
    buckets.set(bound, (buckets.get(bound) ?? 0) + value - (before.get(key) ?? 0));
    out.set(groupKey, buckets);
  }
  return new Map([...out].map(([k, b]) => [k, [...b].sort((x, y) => x[0] - y[0])]));
}

const ms = (seconds: number | undefined) => (seconds === undefined ? null : Math.round(seconds * 1000));

export interface Probe {
  /** A request that ended now, after `latencyMs`: counted in the second it ended in. */
  record(latencyMs: number): void;
  /** Stops sampling and returns the breakdown over the time since start. */
  finish(): Promise<Record<string, unknown>>;
}

/** One second of the load: what was served and how fast, and who had the cores. */
interface Second {
  at: number;
  latencies: number[];
  machineBusyCores: number;
  coresByRole: Record<string, number>;
  loadGeneratorCores: number;
  /** The load generator's own event-loop delay (a stalled client would slow every route at once). */
  loadGeneratorLoopMaxMs: number;
}

/**
 * Samples, every second, the CPU of each probed process tree (one /proc scan), of the whole
 * machine and of the load generator, with the load generator's event-loop delay: what a stall of
 * every route at once (issue 18) coincided with.
 */
function startTimeline(processes: ProbedProcess[]) {
  const seconds: Second[] = [];
  const loop = monitorEventLoopDelay({ resolution: 10 });
  loop.enable();
  const pids = processes.map((p) => p.pid);
  let trees = treesCpuSeconds(pids);
  let machine = machineTicks();
  let self = process.cpuUsage();
  let current: number[] = [];
  const startedAt = performance.now();
  let sampledAt = startedAt;
  const timer = setInterval(() => {
    const now = performance.now();
    // Cores over the time since the last sample: a timer on a busy machine fires late.
    const per = 1000 / Math.max(1, now - sampledAt);
    sampledAt = now;
    const nextTrees = treesCpuSeconds(pids);
    const nextMachine = machineTicks();
    const nextSelf = process.cpuUsage();
    const coresByRole: Record<string, number> = {};
    for (const p of processes) {
      const role = p.role.replace(/ \d+$/, '');
      // A tree's sum falls when one of its processes ends (a PostgreSQL backend): not negative CPU.
      const used = Math.max(0, (nextTrees.get(p.pid) ?? 0) - (trees.get(p.pid) ?? 0));
      coresByRole[role] = round2((coresByRole[role] ?? 0) + used * per);
    }
    seconds.push({
      at: Math.round((now - startedAt) / 1000),
      latencies: current,
      machineBusyCores: round2(((nextMachine.busy - machine.busy) / TICKS_PER_SECOND) * per),
      coresByRole,
      loadGeneratorCores: round2(((nextSelf.user - self.user + nextSelf.system - self.system) / 1e6) * per),
      loadGeneratorLoopMaxMs: Math.round(loop.max / 1e6),
    });
    loop.reset();
    current = [];
    [trees, machine, self] = [nextTrees, nextMachine, nextSelf];
  }, 1000);
  return {
    record: (latencyMs: number) => current.push(latencyMs),
    finish() {
      clearInterval(timer);
      loop.disable();
      const rows = seconds.map((s) => {
        const sorted = [...s.latencies].sort((a, b) => a - b);
        const p95 = sorted.length === 0 ? 0 : Math.round(sorted[Math.ceil(0.95 * sorted.length) - 1] ?? 0);
        const ours = Object.values(s.coresByRole).reduce((sum, c) => sum + c, 0) + s.loadGeneratorCores;
        return {
          at: s.at,
          served: sorted.length,
          p95Ms: p95,
          machineBusyCores: s.machineBusyCores,
          ...s.coresByRole,
          loadGenerator: s.loadGeneratorCores,
          otherPrograms: round2(Math.max(0, s.machineBusyCores - ours)),
          loadGeneratorLoopMaxMs: s.loadGeneratorLoopMaxMs,
        };
      });
      return {
        slowestSeconds: [...rows].sort((a, b) => b.p95Ms - a.p95Ms).slice(0, 6),
        // One line a second: [at, served, p95 ms, machine busy cores, cores by role in `roles` order, load generator, other programs, load generator loop max ms]
        roles: [...new Set(processes.map((p) => p.role.replace(/ \d+$/, '')))],
        perSecond: rows.map((r) => Object.values(r)),
      };
    },
  };
}

const round2 = (n: number) => Math.round(n * 100) / 100;

/**
 * Starts measuring. The first scrape of each /metrics also resets prom-client's event-loop delay
 * histogram (it resets at every collection), so the second one covers the load alone.
 */
export async function startProbe(processes: ProbedProcess[], adminUrl: string): Promise<Probe> {
  const cpuBefore = new Map(processes.map((p) => [p.pid, cpuSplitSeconds(p.pid)]));
  const treeBefore = new Map(processes.map((p) => [p.pid, treeCpuSeconds(p.pid)]));
  const selfBefore = process.cpuUsage();
  const machineBefore = machineTicks();
  const startedAt = performance.now();
  const scrapesBefore = new Map<number, Map<string, number>>();
  for (const p of processes) if (p.metricsUrl) scrapesBefore.set(p.pid, await scrape(p.metricsUrl));

  const timeline = startTimeline(processes);
  const admin = new pg.Client({ connectionString: adminUrl });
  await admin.connect();
  const samples: { active: number; lock: number; lwlock: number; io: number; idleInTx: number }[] = [];
  let sampling = true;
  const sampler = (async () => {
    while (sampling) {
      const { rows } = await admin.query<{
        active: number;
        lock: number;
        lwlock: number;
        io: number;
        idle_in_tx: number;
      }>(
        `select count(*) filter (where state = 'active')::int as active,
                count(*) filter (where wait_event_type = 'Lock')::int as lock,
                count(*) filter (where wait_event_type = 'LWLock')::int as lwlock,
                count(*) filter (where wait_event_type = 'IO')::int as io,
                count(*) filter (where state = 'idle in transaction')::int as idle_in_tx
           from pg_stat_activity where backend_type = 'client backend' and pid <> pg_backend_pid()`,
      );
      const row = rows[0];
      if (row)
        samples.push({ active: row.active, lock: row.lock, lwlock: row.lwlock, io: row.io, idleInTx: row.idle_in_tx });
      await new Promise((resolve) => setTimeout(resolve, 250));
    }
  })();

  return {
    record: timeline.record,
    async finish() {
      const perSecond = timeline.finish();
      sampling = false;
      await sampler;
      await admin.end();
      const seconds = (performance.now() - startedAt) / 1000;
      const machineAfter = machineTicks();
      const self = process.cpuUsage(selfBefore);
      const machineBusyCores = (machineAfter.busy - machineBefore.busy) / TICKS_PER_SECOND / seconds;
      const cores = (cpu: number) => Number((cpu / seconds).toFixed(3));

      const perProcess: Record<string, unknown>[] = [];
      let ours = (self.user + self.system) / 1e6;
      for (const p of processes) {
        const before = cpuBefore.get(p.pid);
        const after = cpuSplitSeconds(p.pid);
        const treeAfter = treeCpuSeconds(p.pid);
        const tree = (treeAfter ?? 0) - (treeBefore.get(p.pid) ?? 0);
        ours += tree;
        const entry: Record<string, unknown> = { role: p.role, cores: cores(tree) };
        if (before && after) {
          entry.mainThreadCores = cores(after.main - before.main);
          entry.otherThreadsCores = cores(after.threads - before.threads);
          if (after.children - before.children > 0.05)
            entry.childProcessesCores = cores(after.children - before.children);
        }
        const scrapeBefore = scrapesBefore.get(p.pid);
        if (p.metricsUrl && scrapeBefore) {
          const scrapeAfter = await scrape(p.metricsUrl);
          entry.eventLoopDelayMs = {
            mean: ms(scrapeAfter.get('cdp_nodejs_eventloop_lag_mean_seconds')),
            p50: ms(scrapeAfter.get('cdp_nodejs_eventloop_lag_p50_seconds')),
            p99: ms(scrapeAfter.get('cdp_nodejs_eventloop_lag_p99_seconds')),
            max: ms(scrapeAfter.get('cdp_nodejs_eventloop_lag_max_seconds')),
          };
          const waits = histogramDelta(scrapeBefore, scrapeAfter, 'cdp_db_pool_wait_seconds', () => 'all').get('all');
          if (waits) {
            const count = waits.at(-1)?.[1] ?? 0;
            const over = (bound: number) => count - (waits.find(([le]) => le >= bound)?.[1] ?? count);
            entry.poolWaits = {
              connections: count,
              p95Ms: ms(histogramQuantile(waits, 0.95) ?? undefined),
              over10Ms: over(0.01),
              over100Ms: over(0.1),
            };
          }
          const routes = histogramDelta(scrapeBefore, scrapeAfter, 'cdp_http_request_duration_seconds', (labels) => {
            const route = /route="([^"]+)"/.exec(labels)?.[1];
            const method = /method="([^"]+)"/.exec(labels)?.[1];
            return route && method ? `${method} ${route}` : null;
          });
          const serverSide: Record<string, unknown> = {};
          for (const [route, buckets] of routes) {
            const count = buckets.at(-1)?.[1] ?? 0;
            if (count < 5) continue;
            serverSide[route] = {
              count,
              p50AtMostMs: ms(histogramQuantile(buckets, 0.5) ?? undefined),
              p95AtMostMs: ms(histogramQuantile(buckets, 0.95) ?? undefined),
            };
          }
          if (Object.keys(serverSide).length > 0) entry.serverSideLatency = serverSide;
        }
        perProcess.push(entry);
      }
      const mean = (pick: (s: (typeof samples)[number]) => number) =>
        samples.length === 0 ? 0 : Number((samples.reduce((sum, s) => sum + pick(s), 0) / samples.length).toFixed(2));
      return {
        seconds: Number(seconds.toFixed(1)),
        machine: {
          busyCores: Number(machineBusyCores.toFixed(2)),
          ofCores: Math.round((machineAfter.total - machineBefore.total) / TICKS_PER_SECOND / seconds),
          thisBenchCores: cores(ours),
          otherProgramsCores: Number(Math.max(0, machineBusyCores - ours / seconds).toFixed(2)),
        },
        loadGeneratorCores: cores((self.user + self.system) / 1e6),
        processes: perProcess,
        timeline: perSecond,
        postgres: {
          samples: samples.length,
          meanActiveBackends: mean((s) => s.active),
          meanWaitingOnLock: mean((s) => s.lock),
          samplesWithLockWait: samples.filter((s) => s.lock > 0).length,
          maxWaitingOnLock: Math.max(0, ...samples.map((s) => s.lock)),
          meanWaitingOnLWLock: mean((s) => s.lwlock),
          meanIdleInTransaction: mean((s) => s.idleInTx),
        },
      };
    },
  };
}
