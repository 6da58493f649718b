/**
 * At most `limit` tasks at once; the rest wait their turn, lowest rank first and, within a rank, in
 * arrival order. DuckDB runs each query on several threads already, so on a small machine a hundred
 * queries at once only thrash (memory, libuv threads, caches) and every answer arrives late; queued,
 * the first ones finish early. A rank lets the queries of the page asked for first (the dashboard
 * engine's tickets) go before a later page's, whenever each of them reached the queue.
 */
export class WorkLimiter {
  private running = 0;
  /** The highest finite rank started so far (`served`). */
  private highest = Number.NEGATIVE_INFINITY;
  /** Sorted by rank, then arrival. */
  private readonly waiting: { rank: number; start: () => void }[] = [];

  constructor(readonly limit: number) {
    if (!Number.isInteger(limit) || limit < 1) throw new Error(`a work limit is a whole number ≥ 1, not ${limit}`);
  }

  /** Tasks running and waiting now (for metrics and tests). */
  get load(): { running: number; waiting: number } {
    return { running: this.running, waiting: this.waiting.length };
  }

  /**
   * The highest rank whose work has started (−∞ before any ranked task): with tickets as ranks, the
   * latest page being served. Unranked tasks do not move it.
   */
  get served(): number {
    return this.highest;
  }

  /** Runs `task` when a slot is free and no waiting task ranks lower; without a rank, after every ranked one. */
  async run<T>(task: () => Promise<T>, rank = Number.POSITIVE_INFINITY): Promise<T> {
    if (this.running >= this.limit) await new Promise<void>((start) => this.enqueue(rank, start));
    else this.running++;
    if (Number.isFinite(rank) && rank > this.highest) this.highest = rank;
    try {
      return await task();
    } finally {
      // Hand the slot straight to the next task, so a newcomer cannot overtake the queue.
      const next = this.waiting.shift();
      if (next) next.start();
      else this.running--;
    }
  }

  private enqueue(rank: number, start: () => void): void {
    // Ranks mostly arrive in order: look for the place from the end, after every equal rank.
    let at = this.waiting.length;
    while (at > 0 && (this.waiting[at - 1]?.rank ?? 0) > rank) at--;
    this.waiting.splice(at, 0, { rank, start });
  }
}
