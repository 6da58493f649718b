import type { AppliedFilter } from '@cdp/contracts';
import { prepareBenchUsers } from './api-studies.ts';
import type { BenchServer } from './server.ts';

const USERS = 40;
const BUDGET_P95_MS = 500;
/** A browser opens at most 6 connections to one host (HTTP/1.1): a page's 12 requests go 6 at a time. */
const CONNECTIONS_PER_USER = 6;
/** A user looks at the answers for 2–4 s before changing the filters again. */
const THINK_MS = [2000, 4000] as const;

/** Nearest rank over sorted values. */
function percentile(sorted: number[], p: number): number {
  if (sorted.length === 0) return Number.NaN;
  return sorted[Math.min(sorted.length - 1, Math.max(0, Math.ceil(p * sorted.length) - 1))] ?? Number.NaN;
}

/** How many latencies, and their median, 95th and 99th percentiles (sorted values). */
function spread(sorted: number[]) {
  const at = (p: number) => Math.round(percentile(sorted, p));
  return { answers: sorted.length, p50: at(0.5), p95: at(0.95), p99: at(0.99) };
}

/** A small seeded generator, so two runs ask for the same sequence of filters. */
function random(seed: number) {
  let state = seed >>> 0;
  return () => {
    state = (state * 1664525 + 1013904223) >>> 0;
    return state / 2 ** 32;
  };
}

/**
 * What a user changing filters asks for: an age range drawn from ~1,800 combinations, so most
 * rounds miss the cache, as the specification's "users changing filters" means.
 */
function nextFilters(next: () => number): AppliedFilter[] {
  const low = 18 + Math.floor(next() * 40);
  const high = low + 5 + Math.floor(next() * 45);
  return [
    { field: 'age', op: 'ge', value: low },
    { field: 'age', op: 'le', value: high },
  ];
}

/**
 * 40 signed-in users (each their own session) on the dashboard's Overview for `durationSeconds`:
 * each sets new filters and asks for all of the page's widgets, 6 at a time as a browser does, reads
 * the answers for 2–4 s and changes the filters again: about 13 filter changes a second, most of
 * them new to the cache. Reports every widget answer's latency.
 */
export type LoadMode = 'page' | 'widgets';

/**
 * The server's dashboard query histograms (`cdp_dashboard_query_{wait,run}_seconds`) when the
 * bench runs with METRICS_PORT set (the server inherits it): bucket counts, sum and count by name.
 */
type Histograms = Map<string, { buckets: Map<string, number>; sum: number; count: number }>;
const SPLIT = ['cdp_dashboard_query_wait_seconds', 'cdp_dashboard_query_run_seconds'] as const;

async function queryHistograms(): Promise<Histograms | null> {
  const port = process.env.METRICS_PORT;
  if (!port) return null;
  const text = await (await fetch(`http://127.0.0.1:${port}/metrics`)).text();
  const out: Histograms = new Map();
  for (const line of text.split('\n')) {
    const match = /^(cdp_dashboard_query_\w+_seconds)_(bucket|sum|count)(?:\{le="([^"]+)"\})? (\S+)$/.exec(line);
    if (!match) continue;
    const [, name = '', part, le, value] = match;
    const h = out.get(name) ?? { buckets: new Map(), sum: 0, count: 0 };
    if (part === 'bucket' && le) h.buckets.set(le, Number(value));
    else if (part === 'sum') h.sum = Number(value);
    else h.count = Number(value);
    out.set(name, h);
  }
  return out;
}

/** Per query, between two scrapes: mean and the bucket bounds holding the median and the 95th percentile, ms. */
function querySplit(before: Histograms | null, after: Histograms | null) {
  if (!before || !after) return null;
  return Object.fromEntries(
    SPLIT.map((name) => {
      const a = after.get(name);
      const b = before.get(name);
      if (!a) return [name, null];
      const count = a.count - (b?.count ?? 0);
      const bound = (q: number) => {
        for (const [le, n] of a.buckets)
          if (n - (b?.buckets.get(le) ?? 0) >= q * count) return le === '+Inf' ? le : Number(le) * 1000;
        return '+Inf';
      };
      const mean = count > 0 ? ((a.sum - (b?.sum ?? 0)) * 1000) / count : 0;
      return [
        name.replace('cdp_dashboard_query_', '').replace('_seconds', ''),
        { queries: count, meanMs: Number(mean.toFixed(1)), p50AtMostMs: bound(0.5), p95AtMostMs: bound(0.95) },
      ];
    }),
  );
}

/** One page request (`…/data`, streamed): each widget's latency is when its line arrived; `heads`: when the head did. */
async function fetchPage(
  url: string,
  token: string,
  latencies: number[],
  errors: string[],
  expected: number,
  heads: number[] = [],
) {
  const started = performance.now();
  const res = await fetch(url, { headers: { authorization: `Bearer ${token}`, accept: 'application/x-ndjson' } });
  if (res.status !== 200 || !res.body) {
    errors.push(`page: ${res.status} ${(await res.text()).slice(0, 200)}`);
    return;
  }
  const decoder = new TextDecoder();
  let buffer = '';
  let widgets = 0;
  const reader = res.body.getReader();
  for (let chunk = await reader.read(); !chunk.done; chunk = await reader.read()) {
    buffer += decoder.decode(chunk.value, { stream: true });
    for (let end = buffer.indexOf('\n'); end >= 0; end = buffer.indexOf('\n')) {
      const line = JSON.parse(buffer.slice(0, end)) as { type: string; id?: string; error?: { message: string } };
      buffer = buffer.slice(end + 1);
      if (line.type === 'head') heads.push(performance.now() - started);
      if (line.type !== 'widget') continue;
      widgets++;
      if (line.error) errors.push(`${line.id}: ${line.error.message.slice(0, 200)}`);
      else latencies.push(performance.now() - started);
    }
  }
  if (widgets !== expected) errors.push(`page: ${widgets} widget answers, not ${expected}`);
}

export async function loadDashboardData(
  server: BenchServer,
  base: string,
  widgetIds: string[],
  durationSeconds: number,
  mode: LoadMode = 'page',
  signedIn?: string[],
) {
  const tokens = (signedIn ?? (await prepareBenchUsers(server))).slice(0, USERS);
  const latencies: number[] = [];
  /** Answers to pages asked for once every user has had a first think (start + 4 s): the load without its start. */
  const steady: number[] = [];
  /** Answers to the pages asked for in the first 4 s: the start burst, every user's first page at once. */
  const start: number[] = [];
  const heads: number[] = [];
  const errors: string[] = [];
  let rounds = 0;
  const histogramsBefore = await queryHistograms();
  const loadStart = performance.now();
  const stopAt = performance.now() + durationSeconds * 1000;
  const user = async (token: string, seed: number) => {
    const next = random(seed);
    while (performance.now() < stopAt) {
      const query = `?filters=${encodeURIComponent(JSON.stringify(nextFilters(next)))}`;
      if (mode === 'page') {
        try {
          const asked = performance.now();
          const own: number[] = [];
          await fetchPage(`${base}/data${query}`, token, own, errors, widgetIds.length, heads);
          latencies.push(...own);
          if (asked - loadStart >= THINK_MS[1]) steady.push(...own);
          else start.push(...own);
        } catch (error) {
          errors.push(`page: ${String(error)}`);
        }
      }
      const queue = mode === 'page' ? [] : [...widgetIds];
      const fetchOne = async (id: string) => {
        const started = performance.now();
        try {
          const res = await fetch(`${base}/widgets/${id}/data${query}`, {
            headers: { authorization: `Bearer ${token}` },
          });
          const body = await res.text();
          if (res.status !== 200) errors.push(`${id}: ${res.status} ${body.slice(0, 200)}`);
          else latencies.push(performance.now() - started);
        } catch (error) {
          errors.push(`${id}: ${String(error)}`);
        }
      };
      await Promise.all(
        Array.from({ length: CONNECTIONS_PER_USER }, async () => {
          for (let id = queue.shift(); id !== undefined; id = queue.shift()) await fetchOne(id);
        }),
      );
      rounds++;
      const think = THINK_MS[0] + next() * (THINK_MS[1] - THINK_MS[0]);
      await new Promise((resolve) => setTimeout(resolve, Math.min(think, Math.max(0, stopAt - performance.now()))));
    }
  };
  const started = performance.now();
  await Promise.all(tokens.map((token, i) => user(token, i + 1)));
  const seconds = (performance.now() - started) / 1000;
  const queries = querySplit(histogramsBefore, await queryHistograms());
  latencies.sort((a, b) => a - b);
  heads.sort((a, b) => a - b);
  steady.sort((a, b) => a - b);
  start.sort((a, b) => a - b);
  const p95 = Math.round(percentile(latencies, 0.95));
  return {
    benchmark:
      mode === 'page'
        ? `GET …/dashboards/:did/data (NDJSON; a widget's latency is its line's arrival), ${tokens.length} users changing filters every 2–4 s (one request for all ${widgetIds.length} widgets per change)`
        : `GET …/widgets/:wid/data, ${tokens.length} users changing filters every 2–4 s (all ${widgetIds.length} widgets at once per change, 6 at a time)`,
    mode,
    durationSeconds: Number(seconds.toFixed(1)),
    filterChanges: rounds,
    widgetAnswers: latencies.length,
    answersPerSecond: Math.round(latencies.length / seconds),
    latencyMs: {
      p50: Math.round(percentile(latencies, 0.5)),
      p95,
      p99: Math.round(percentile(latencies, 0.99)),
      max: Math.round(latencies.at(-1) ?? Number.NaN),
    },
    /**
     * The same without the start: every user asks for a first page in the same millisecond, which no
     * 40 people do; answers to pages asked for from the end of the longest first think (4 s) on.
     */
    steadyLatencyMs: mode === 'page' ? spread(steady) : null,
    /** The start alone: answers to pages asked for in the first 4 s (the rest of `latencyMs` is `steadyLatencyMs`). */
    startLatencyMs: mode === 'page' ? spread(start) : null,
    /** When a page's head line arrived (authentication, the loader's PostgreSQL trip): before any widget work. */
    headMs:
      mode === 'page' ? { p50: Math.round(percentile(heads, 0.5)), p95: Math.round(percentile(heads, 0.95)) } : null,
    /** The server's DuckDB queries in the load (METRICS_PORT set): waiting for a turn, then running. */
    queries,
    errors: errors.length,
    firstErrors: errors.slice(0, 5),
    budget: `p95 < ${BUDGET_P95_MS} ms and no errors`,
    withinBudget: p95 < BUDGET_P95_MS && errors.length === 0,
  };
}
