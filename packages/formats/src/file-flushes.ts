import { open } from 'node:fs/promises';

/** Puts one written file's data on the disk. */
export type FlushFile = (file: string) => Promise<void>;

/**
 * `fdatasync` of a file (opened read-only: on Linux it flushes the inode's dirty pages whatever the
 * open mode).
 */
export const fdatasyncFile: FlushFile = async (file) => {
  const handle = await open(file, 'r');
  try {
    await handle.datasync();
  } finally {
    await handle.close();
  }
};

/**
 * Flushes an upload's output files while its other members still convert (issue 17): flushed
 * after the conversion, every file waited for the disk on the upload's critical path (5-30 ms for
 * the pilot SDTM's 18 files). At most `atOnce` at a time, because libuv's pool is the process's
 * (4 threads by default): more would queue the conversion's own reads and writes behind the disk.
 */
export class FileFlushes {
  private readonly waiting: string[] = [];
  private running = 0;
  private failure: { error: unknown } | undefined;
  private onIdle: (() => void)[] = [];

  constructor(
    private readonly flush: FlushFile,
    private readonly atOnce = 2,
  ) {}

  /** Queues `files`; returns at once. */
  add(files: readonly string[]): void {
    this.waiting.push(...files);
    this.pump();
  }

  /** Resolves once every file added so far is flushed; rejects with the first failure. */
  async done(): Promise<void> {
    if (this.running > 0 || this.waiting.length > 0) await new Promise<void>((resolve) => this.onIdle.push(resolve));
    if (this.failure) throw this.failure.error;
  }

  private pump(): void {
    while (this.running < this.atOnce && this.waiting.length > 0) {
      const file = this.waiting.shift() as string;
      this.running++;
      this.flush(file)
        .catch((error: unknown) => {
          this.failure ??= { error };
          // The upload fails with the first failure: the rest need not reach the disk.
          this.waiting.length = 0;
        })
        .finally(() => {
          this.running--;
          this.pump();
          if (this.running === 0 && this.waiting.length === 0) for (const wake of this.onIdle.splice(0)) wake();
        });
    }
  }
}
