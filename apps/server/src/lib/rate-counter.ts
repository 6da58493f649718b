import type { Database } from '@cdp/db';

export interface CountedBucket {
  name: string;
  seconds: number;
  limit: number;
}

export interface BucketCount {
  name: string;
  /** Requests counted in the bucket's current window, this one included. */
  hits: number;
  /** Seconds until the window turns. */
  reset: number;
}

interface Counter {
  orgId: string;
  bucket: string;
  seconds: number;
  windowStart: number;
  /** The total every process had written, as of this process's last write. */
  known: number;
  /** Counted here since, not written yet. */
  pending: number;
  /** Being written now (taken out of `pending`). */
  sending: number;
}

interface AddRow extends Record<string, unknown> {
  bucket: string;
  window_start: Date;
  hits: number;
  reset_seconds: number;
}

/**
 * The margin near a limit inside which every request is counted in PostgreSQL at once: 20
 * requests or 5% of the limit, whichever is more.
 */
export function exactMargin(limit: number): number {
  return Math.max(20, Math.ceil(limit * 0.05));
}

/** Most requests a process holds unwritten per bucket (a quarter of the margin); one more is written at once. */
export function pendingCap(limit: number): number {
  return Math.max(1, Math.floor(exactMargin(limit) / 4));
}

/**
 * Fixed-window rate-limit counters shared by every API process through `rate_limit_counters`
 * (docs/api.md, "Rate limits"), without a database write per request.
 *
 * A bucket's first request in a window, every request once fewer than `exactMargin(limit)`
 * remain, and any request that would leave more than `pendingCap(limit)` unwritten, is counted in
 * PostgreSQL at once (one atomic upsert of it and what the process held, answering the total every
 * process has written). Otherwise the process counts in memory and writes its counts every
 * `flushMs` in one upsert, which also brings back the other processes' totals. One process alone
 * is exact. Across N processes, the total a process checks near a limit misses at most what the
 * others hold unwritten, so a limit is overshot by at most (N − 1) × `pendingCap(limit)` requests
 * (5 for limits up to 400, 1.25% of larger ones, per other process), and only within `flushMs`.
 */
export class RateCounter {
  private readonly counters = new Map<string, Counter>();
  private timer: NodeJS.Timeout | undefined;
  private flushing: Promise<void> | undefined;
  private writing = false;
  private waiting: {
    rows: { c: Counter; count: number }[];
    resolve: (totals: Map<string, { hits: number; reset: number }>) => void;
    reject: (error: unknown) => void;
  }[] = [];

  constructor(
    private readonly database: Database,
    private readonly flushMs: number,
  ) {}

  /** Counts one request against each bucket; answers the counts (this request included). */
  async hit(orgId: string, buckets: CountedBucket[]): Promise<BucketCount[]> {
    const now = Date.now();
    const entries = buckets.map((b) => {
      const windowStart = Math.floor(now / 1000 / b.seconds) * b.seconds * 1000;
      const key = `${b.name}@${windowStart}`;
      return { b, key, windowStart, counter: this.counters.get(key) };
    });
    const local =
      this.flushMs > 0 &&
      entries.every(
        ({ b, counter }) =>
          counter !== undefined &&
          counter.pending + counter.sending < pendingCap(b.limit) &&
          b.limit - (counter.known + counter.sending + counter.pending + 1) >= exactMargin(b.limit),
      );
    if (local) {
      this.start();
      return entries.map(({ b, windowStart, counter }) => {
        const c = counter as Counter;
        c.pending += 1;
        return {
          name: b.name,
          hits: c.known + c.sending + c.pending,
          reset: resetSeconds(windowStart, b.seconds, now),
        };
      });
    }
    // Exact: this request, with whatever this process holds for these buckets, in one upsert now.
    const rows = entries.map(({ b, key, windowStart, counter }) => {
      const c: Counter = counter ?? {
        orgId,
        bucket: b.name,
        seconds: b.seconds,
        windowStart,
        known: 0,
        pending: 0,
        sending: 0,
      };
      if (!counter) this.counters.set(key, c);
      const count = c.pending + 1;
      c.pending = 0;
      c.sending += count;
      return { c, count };
    });
    try {
      const totals = await this.add(rows.map(({ c, count }) => ({ c, count })));
      return entries.map(({ b, windowStart }, i) => {
        const { c } = rows[i] as { c: Counter; count: number };
        const total = totals.get(`${c.bucket}@${windowStart}`);
        if (total) c.known = Math.max(c.known, total.hits);
        // The total holds every request this process counted before this one (written earlier or in
        // this write); what is in `sending` or `pending` now came after it.
        return {
          name: b.name,
          hits: total?.hits ?? c.known + c.sending + c.pending,
          reset: total?.reset ?? resetSeconds(windowStart, b.seconds, Date.now()),
        };
      });
    } catch (error) {
      for (const { c, count } of rows) c.pending += count;
      throw error;
    }
  }

  /** Writes every pending count (the timer's work; also on close). */
  flush(): Promise<void> {
    this.flushing ??= this.writePending().finally(() => {
      this.flushing = undefined;
    });
    return this.flushing;
  }

  stop(): Promise<void> {
    clearInterval(this.timer);
    this.timer = undefined;
    return this.flush();
  }

  private start(): void {
    if (this.timer) return;
    this.timer = setInterval(() => void this.flush().catch(() => undefined), this.flushMs);
    this.timer.unref();
  }

  private async writePending(): Promise<void> {
    const now = Date.now();
    const batch: { c: Counter; count: number }[] = [];
    for (const [key, c] of this.counters) {
      if (c.pending > 0) {
        batch.push({ c, count: c.pending });
        c.sending += c.pending;
        c.pending = 0;
      } else if (c.sending === 0 && c.windowStart + c.seconds * 1000 < now) {
        this.counters.delete(key); // a past window with nothing left to write
      }
    }
    if (batch.length === 0) return;
    try {
      const totals = await this.add(batch);
      for (const { c } of batch) {
        const total = totals.get(`${c.bucket}@${c.windowStart}`);
        if (total) c.known = Math.max(c.known, total.hits);
      }
    } catch (error) {
      // Kept for the next write: counts are never dropped.
      for (const { c, count } of batch) c.pending += count;
      throw error;
    }
  }

  /**
   * Counts to write; answers each (bucket, window)'s total as this caller's own count left it. One
   * write is in flight at a time; whatever asks meanwhile goes out together in the next one (a
   * burst of first requests is one round trip, not a queue). When a write returns, its counts
   * leave `sending` before anyone reads the totals, so `total + sending + pending` counts each
   * request once (a local count); an exact caller gets the total less what the callers after it
   * in the same write added: its own rank.
   */
  private add(rows: { c: Counter; count: number }[]): Promise<Map<string, { hits: number; reset: number }>> {
    return new Promise((resolve, reject) => {
      this.waiting.push({ rows, resolve, reject });
      this.pump();
    });
  }

  private pump(): void {
    if (this.writing || this.waiting.length === 0) return;
    const batch = this.waiting.splice(0);
    this.writing = true;
    const merged = new Map<string, { c: Counter; count: number }>();
    for (const { rows } of batch)
      for (const { c, count } of rows) {
        const key = `${c.bucket}@${c.windowStart}`;
        const m = merged.get(key);
        if (m) m.count += count;
        else merged.set(key, { c, count });
      }
    this.write([...merged.values()])
      .then(
        (totals) => {
          for (const { rows } of batch) for (const { c, count } of rows) c.sending -= count;
          // Later callers' counts come off earlier callers' totals.
          const after = new Map<string, number>();
          const answers = batch.map(() => new Map<string, { hits: number; reset: number }>());
          for (let i = batch.length - 1; i >= 0; i--) {
            for (const { c, count } of batch[i]?.rows ?? []) {
              const key = `${c.bucket}@${c.windowStart}`;
              const total = totals.get(key);
              if (!total) continue;
              const later = after.get(key) ?? 0;
              answers[i]?.set(key, { hits: total.hits - later, reset: total.reset });
              after.set(key, later + count);
            }
          }
          for (const [i, w] of batch.entries()) w.resolve(answers[i] ?? new Map());
        },
        (error: unknown) => {
          for (const { rows } of batch) for (const { c, count } of rows) c.sending -= count;
          for (const w of batch) w.reject(error);
        },
      )
      .finally(() => {
        this.writing = false;
        this.pump();
      });
  }

  private async write(rows: { c: Counter; count: number }[]): Promise<Map<string, { hits: number; reset: number }>> {
    const { rows: answered } = await this.database.pool.query<AddRow>(
      'select * from app_rate_limit_add($1::uuid[], $2::text[], $3::timestamptz[], $4::int[], $5::int[])',
      [
        rows.map(({ c }) => c.orgId),
        rows.map(({ c }) => c.bucket),
        rows.map(({ c }) => new Date(c.windowStart).toISOString()),
        rows.map(({ c }) => c.seconds),
        rows.map(({ count }) => count),
      ],
    );
    return new Map(
      answered.map((r) => [`${r.bucket}@${r.window_start.getTime()}`, { hits: r.hits, reset: r.reset_seconds }]),
    );
  }
}

function resetSeconds(windowStart: number, seconds: number, now: number): number {
  return Math.max(1, Math.ceil((windowStart + seconds * 1000 - now) / 1000));
}

const counters = new WeakMap<Database, RateCounter>();

/** The process's rate counter for this database. */
export function rateCounterFor(database: Database, flushMs: number): RateCounter {
  let counter = counters.get(database);
  if (!counter) {
    counter = new RateCounter(database, flushMs);
    counters.set(database, counter);
  }
  return counter;
}
