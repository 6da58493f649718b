/**
 * At most `limit` tasks at once; the rest wait their turn in arrival order. DuckDB runs each query
 * on several threads already, so on a small machine a hundred queries at once only thrash (memory,
 * libuv threads, caches) and every answer arrives late; queued, the first ones finish early.
 */
export class WorkLimiter {
  private running = 0;
  private readonly waiting: (() => void)[] = [];

  constructor(readonly limit: number) {
    if (!Number.isInteger(limit) || limit < 1) throw new Error(`a work limit is a whole number ≥ 1, not ${limit}`);
  }

  /** Tasks running and waiting now (for metrics and tests). */
  get load(): { running: number; waiting: number } {
    return { running: this.running, waiting: this.waiting.length };
  }

  async run<T>(task: () => Promise<T>): Promise<T> {
    if (this.running >= this.limit) await new Promise<void>((resolve) => this.waiting.push(resolve));
    else this.running++;
    try {
      return await task();
    } finally {
      // Hand the slot straight to the next task, so a newcomer cannot overtake the queue.
      const next = this.waiting.shift();
      if (next) next();
      else this.running--;
    }
  }
}
