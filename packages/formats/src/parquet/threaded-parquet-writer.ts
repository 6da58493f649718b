import os from 'node:os';
import { Worker } from 'node:worker_threads';
import { FormatError, type FormatErrorLocation } from '../errors.ts';
import { TextCells } from '../text-cells.ts';
import type { ColumnInfo, RowBatch } from '../types.ts';
import type { EncoderFailure, EncoderReply, EncoderRequest, PackedColumn } from './encoder-protocol.ts';

/**
 * The Parquet writer's encoding on a thread of its own (issue 17). On the upload path the reader
 * decodes a 1,000,000-row XPT in about 1.4 CPU s and the writer encodes it in about 3: on one
 * thread they take turns; here the reader decodes the next batch while the encoder thread encodes,
 * compresses and writes the last. Each batch is copied once into a buffer that is transferred
 * (not copied again) to the encoder thread and handed back when encoded; at most `IN_FLIGHT`
 * buffers exist, so a fast reader waits for a slow encoder and memory stays bounded (about 20 MB
 * beside the row groups the encoder builds, as on one thread).
 *
 * The same file comes out as from `ParquetFileWriter` on the caller's thread (the encoder thread
 * runs that very writer), and errors keep their file, dataset, row and column. One encoder thread
 * serves one dataset at a time per thread that asks (the upload's conversion worker), and is kept
 * for the next dataset for a minute: `ThreadedParquetWriter.create` answers `undefined` while it
 * is busy, and the caller encodes on its own thread as before.
 */
export class ThreadedParquetWriter {
  private failure: EncoderFailure | undefined;
  private crashed: Error | undefined;
  private free: ArrayBuffer[] = [];
  private inFlight = 0;
  private waiters: (() => void)[] = [];
  private ending: ((reply: EncoderReply) => void) | undefined;
  /** Closed (well or not): the thread went back to the pool, and `abort` has nothing left to stop. */
  private closed = false;
  digest: { bytes: number; sha256: string } | undefined;

  private constructor(
    private readonly worker: Worker,
    private readonly where: FormatErrorLocation,
  ) {
    worker.on('message', this.onMessage);
    worker.on('error', this.onCrash);
    worker.on('exit', this.onExit);
  }

  /** An encoder thread for one dataset, or `undefined` when it is busy or there is one core only. */
  static async create(
    file: string,
    columns: ColumnInfo[],
    metadata: Record<string, string>,
    where: FormatErrorLocation = {},
  ): Promise<ThreadedParquetWriter | undefined> {
    const worker = takeEncoder();
    if (!worker) return undefined;
    const writer = new ThreadedParquetWriter(worker, where);
    writer.send({ kind: 'open', file, columns, metadata, where });
    return writer;
  }

  /** Hands a batch to the encoder thread; waits while `IN_FLIGHT` batches are not yet encoded. */
  async write(batch: RowBatch): Promise<void> {
    if (batch.length === 0) return;
    while (this.inFlight >= IN_FLIGHT && !this.stopped()) await new Promise<void>((r) => this.waiters.push(r));
    this.throwIfStopped();
    const { buffer, layout, strings } = pack(batch, this.free);
    this.inFlight++;
    this.send({ kind: 'batch', buffer, length: batch.length, layout, strings }, [buffer]);
  }

  /** Waits for every batch to be written and the footer; returns the rows written. */
  async close(): Promise<number> {
    this.throwIfStopped();
    const reply = await this.end({ kind: 'close' });
    this.closed = true;
    this.release(true);
    if (reply.kind === 'closed') {
      this.digest = reply.digest;
      return reply.rows;
    }
    throw this.error(reply.kind === 'ended' ? (reply.failure ?? this.failure) : this.failure);
  }

  /**
   * Stops after a failure on the reader's side: the encoder finishes what it was sent and closes
   * the file (the caller removes it). Returns the encoder's own failure, if it had one: it lies at
   * an earlier row than anything the reader could still have reported, so it is the one to tell.
   */
  async abort(): Promise<unknown> {
    // A failed `close` already told its failure and closed the file.
    if (this.closed) return undefined;
    this.closed = true;
    if (this.crashed) {
      this.release(false);
      return this.crashed;
    }
    const reply = await this.end({ kind: 'abort' });
    this.release(!this.crashed);
    if (this.crashed) return this.crashed;
    const failure = reply.kind === 'ended' ? (reply.failure ?? this.failure) : this.failure;
    return failure ? this.error(failure) : undefined;
  }

  private onMessage = (reply: EncoderReply) => {
    if (reply.kind === 'buffer') {
      this.inFlight--;
      if (this.free.length < IN_FLIGHT) this.free.push(reply.buffer);
      this.wake();
      return;
    }
    if (reply.kind === 'failed') {
      // Reported at the next write; the buffers of the batches after it still come back.
      this.failure ??= reply;
      this.wake();
      return;
    }
    const ending = this.ending;
    this.ending = undefined;
    ending?.(reply);
  };

  private onCrash = (error: Error & { code?: string }) => {
    this.crashed =
      error.code === 'ERR_WORKER_OUT_OF_MEMORY'
        ? new FormatError(`needs more than ${ENCODER_HEAP_MB} MB of memory to encode as Parquet`, this.where)
        : error;
    this.finishOnCrash();
  };

  private onExit = (code: number) => {
    this.crashed ??= new Error(`the Parquet encoder thread stopped (exit code ${code})`);
    this.finishOnCrash();
  };

  private finishOnCrash(): void {
    this.wake();
    const ending = this.ending;
    this.ending = undefined;
    ending?.({ kind: 'ended', failure: undefined });
  }

  private end(request: EncoderRequest): Promise<EncoderReply> {
    return new Promise((resolve) => {
      this.ending = resolve;
      this.send(request);
    });
  }

  private send(request: EncoderRequest, transfer: ArrayBuffer[] = []): void {
    if (!this.crashed) this.worker.postMessage(request, transfer);
  }

  private stopped(): boolean {
    return this.failure !== undefined || this.crashed !== undefined;
  }

  private throwIfStopped(): void {
    if (this.crashed) throw this.crashed;
    if (this.failure) throw this.error(this.failure);
  }

  private error(failure: EncoderFailure | undefined): Error {
    if (this.crashed) return this.crashed;
    if (!failure) return new Error('the Parquet encoder thread gave no answer');
    if (failure.format) return new FormatError(failure.reason, failure.location);
    // Disk full and the like keep their code, so the caller can word them for an administrator.
    return Object.assign(new Error(failure.message), failure.code ? { code: failure.code } : {});
  }

  private wake(): void {
    const waiters = this.waiters;
    this.waiters = [];
    for (const wake of waiters) wake();
  }

  private release(reusable: boolean): void {
    this.worker.off('message', this.onMessage);
    this.worker.off('error', this.onCrash);
    this.worker.off('exit', this.onExit);
    giveBackEncoder(this.worker, reusable && !this.crashed);
  }
}

/**
 * Batches handed over and not yet encoded: enough to keep both threads busy across the scheduling
 * delays of a loaded machine (about 3 MB each for 8,192 rows of 40 columns), few enough to bound
 * memory.
 */
const IN_FLIGHT = 6;
/** The encoder's JavaScript heap: two row groups of at most 64 MB each, and room to work. */
const ENCODER_HEAP_MB = 512;

/**
 * Copies a batch into one buffer (a free one when it is large enough): doubles and text offsets
 * 8-byte aligned, text bytes after their offsets. The copy is what lets the reader refill its own
 * arrays (`reuseBatches`) while the encoder thread still works on this batch.
 */
function pack(
  batch: RowBatch,
  free: ArrayBuffer[],
): { buffer: ArrayBuffer; layout: PackedColumn[]; strings?: Record<number, (string | null)[]> } {
  const n = batch.length;
  const layout: PackedColumn[] = [];
  let strings: Record<number, (string | null)[]> | undefined;
  let size = 0;
  for (const [c, values] of batch.columns.entries()) {
    if (values instanceof Float64Array) {
      layout.push({ type: 'number', at: size });
      size += n * 8;
    } else if (values instanceof TextCells) {
      const bytes = values.offsets[n] as number;
      const bytesAt = size + align8((n + 1) * 4);
      layout.push({ type: 'text', at: size, bytesAt, bytes });
      size = bytesAt + align8(bytes);
    } else {
      layout.push({ type: 'strings' });
      strings ??= {};
      strings[c] = values.slice(0, n);
    }
  }
  let buffer = free.pop();
  while (buffer && buffer.byteLength < size) buffer = free.pop();
  // A little room, so a batch with somewhat longer text does not need a new buffer.
  buffer ??= new ArrayBuffer(Math.ceil(Math.max(size, 1 << 16) * 1.25));
  const bytes = new Uint8Array(buffer);
  for (const [c, entry] of layout.entries()) {
    const values = batch.columns[c];
    if (entry.type === 'number') {
      new Float64Array(buffer, entry.at, n).set((values as Float64Array).subarray(0, n));
    } else if (entry.type === 'text') {
      const cells = values as TextCells;
      new Int32Array(buffer, entry.at, n + 1).set(cells.offsets.subarray(0, n + 1));
      bytes.set(cells.bytes.subarray(0, entry.bytes), entry.bytesAt);
    }
  }
  return { buffer, layout, strings };
}

function align8(bytes: number): number {
  return Math.ceil(bytes / 8) * 8;
}

/**
 * The thread's entry: from the TypeScript sources, a bootstrap that registers tsx; from the
 * production bundle (scripts/build-server.mjs), the compiled encoder beside the bundle.
 */
const ENTRY = import.meta.url.endsWith('.ts')
  ? new URL('./parquet-encoder-bootstrap.mjs', import.meta.url)
  : new URL('./parquet-encoder.mjs', import.meta.url);
const IDLE_MS = 60_000;

let idle: { worker: Worker; timer: NodeJS.Timeout; forget: () => void } | undefined;
let busy = false;

/**
 * The encoder thread, when it is free. One per thread that asks: the upload's members convert side
 * by side on one conversion thread, and one encoder beside it makes two busy threads per upload,
 * as many as this machine has cores (see docs/decisions.md on CONVERSION_CONCURRENCY).
 */
function takeEncoder(): Worker | undefined {
  if (busy || os.availableParallelism() < 2) return undefined;
  busy = true;
  if (idle) {
    const { worker, timer, forget } = idle;
    idle = undefined;
    clearTimeout(timer);
    worker.off('exit', forget);
    worker.ref();
    return worker;
  }
  const worker = new Worker(ENTRY, {
    workerData: { entry: new URL('./parquet-encoder-worker.ts', import.meta.url).href },
    resourceLimits: { maxOldGenerationSizeMb: ENCODER_HEAP_MB },
  });
  // A failure while idle must not become the process's uncaught error; the thread then exits.
  worker.on('error', () => undefined);
  return worker;
}

function giveBackEncoder(worker: Worker, reusable: boolean): void {
  busy = false;
  if (!reusable) {
    void worker.terminate();
    return;
  }
  // An idle encoder must not keep the process alive, and stops by itself after a quiet minute.
  worker.unref();
  const forget = () => {
    if (idle?.worker === worker) idle = undefined;
  };
  worker.once('exit', forget);
  const timer = setTimeout(() => void worker.terminate(), IDLE_MS);
  timer.unref();
  idle = { worker, timer, forget };
}
