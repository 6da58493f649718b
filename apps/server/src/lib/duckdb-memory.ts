import type { DuckDBConnection } from '@duckdb/node-api';

/**
 * Gives back to the system the memory DuckDB's allocator kept after work.
 *
 * DuckDB allocates through a jemalloc of its own, one for the whole process (every instance, every
 * thread). Pages freed at the end of a query stay in jemalloc's arenas to be reused; they are purged
 * only as later allocations pass by, so a worker whose runs have ended kept them for good. Measured
 * (docs/decisions.md, p12m): 20 pairs of the small example left ~100 MB more RSS than before them,
 * and the allocator's background thread (`allocator_background_threads`) had not purged them 12 s
 * later. DuckDB purges every arena and trims glibc's heaps when an instance's scheduler changes its
 * number of threads (its `RelaunchThreads` calls `Allocator::FlushAll`): an instance of our own,
 * used for nothing else, does that on demand by starting and stopping one thread.
 */
let flusher: Promise<DuckDBConnection> | undefined;
let flushing: Promise<void> = Promise.resolve();

export function releaseFreedDuckDbMemory(): Promise<void> {
  flushing = flushing.then(async () => {
    flusher ??= import('@duckdb/node-api').then(async ({ DuckDBInstance }) => {
      const instance = await DuckDBInstance.create(':memory:', {
        autoinstall_known_extensions: 'false',
        autoload_known_extensions: 'false',
        memory_limit: '16MB',
        threads: '1',
      });
      return instance.connect();
    });
    const connection = await flusher;
    await connection.run('SET threads = 2');
    await connection.run('SET threads = 1');
  });
  return flushing;
}

/**
 * Calls `release` once work has stopped for `idleMs`: jobs running back to back keep DuckDB's freed
 * pages to reuse (purging them between two runs would only make the next one fault them in again),
 * and a worker that goes idle gives them back within that delay.
 */
export class ReleaseWhenIdle {
  private running = 0;
  private timer: NodeJS.Timeout | undefined;

  constructor(
    private readonly release: () => Promise<void>,
    private readonly idleMs: number,
    private readonly onError: (error: unknown) => void,
  ) {}

  started(): void {
    this.running += 1;
    clearTimeout(this.timer);
    this.timer = undefined;
  }

  ended(): void {
    this.running = Math.max(0, this.running - 1);
    if (this.running > 0) return;
    clearTimeout(this.timer);
    this.timer = setTimeout(() => {
      this.timer = undefined;
      this.release().catch(this.onError);
    }, this.idleMs);
    this.timer.unref();
  }
}

/** A second without jobs: long enough for a run's next step or the next queued run to start. */
const AFTER_JOBS_IDLE_MS = 1000;
let afterJobs: ReleaseWhenIdle | null = null;

/**
 * `true` (DUCKDB_RELEASE_IDLE_MEMORY, set by main.ts): DuckDB's freed memory goes back to the system
 * a second after this process's last running job ended (`jobStarted`/`jobEnded`, from run-job.ts).
 */
export function releaseDuckDbMemoryAfterJobs(on: boolean, onError: (error: unknown) => void): void {
  afterJobs = on ? new ReleaseWhenIdle(releaseFreedDuckDbMemory, AFTER_JOBS_IDLE_MS, onError) : null;
}

export function jobStarted(): void {
  afterJobs?.started();
}

export function jobEnded(): void {
  afterJobs?.ended();
}
