import os from 'node:os';
import { Worker } from 'node:worker_threads';
import { FormatError, type FormatErrorLocation } from './errors.ts';
import type { PortableMember } from './zip/zip-archive.ts';

/**
 * ZIP members converted on threads of their own beside the upload's conversion thread (issue 17):
 * on one thread an upload's members took turns, so a 3,000-subject SDTM transfer used one core of
 * two. A member thread reads one XPT or SAS7BDAT member in place from the archive (its own handle
 * on it) and writes its Parquet file with the same reader and writer as the conversion thread, so
 * the file is the same byte for byte; it answers with the member's datasets, or its error in a
 * form that survives the trip (file, dataset, row and column kept).
 *
 * Threads are kept for the next upload for a minute, like the Parquet encoder (in the server's
 * conversion worker, as long as that worker lives: `keepMemberThreads`): starting one (a V8 isolate
 * that loads this package) costs more than most members.
 */

/** What a member thread is asked to convert. */
export interface MemberRequest {
  member: PortableMember;
  /** `upload.zip/dm.xpt`: how the datasets' `source` and every message name it. */
  source: string;
  format: 'xpt' | 'sas7bdat';
  outDir: string;
  /** Prefix of the thread's output file names, unique within the upload. */
  prefix: string;
  /** The upload's limits as plain data (no DuckDB context; a SAS catalog by its path). */
  limits: Record<string, unknown>;
}

/** A member's outcome as the conversion thread collects it (see `convert-upload.ts`). */
export type MemberReply =
  | { ok: true; outcome: unknown }
  | { ok: false; format: true; reason: string; location: FormatErrorLocation }
  | { ok: false; format: false; message: string };

/**
 * The thread's JavaScript heap. Not lower than 2 GB: V8 derives its heap growing factor from this
 * cap, and below 2 GB a conversion's buffers make it mark the heap far more often (the conversion
 * worker's cap, measured in docs/decisions.md); the thread keeps 20-60 MB when streaming.
 */
const MEMBER_THREAD_HEAP_MB = 2048;
/** How long a parked thread waits for the next upload before it stops (`keepMemberThreads`). */
let idleMs = 60_000;

/**
 * Parked member threads stay until the thread that started them ends, instead of a minute. The
 * server's conversion worker asks for this: its member threads then live exactly as long as it
 * does (a worker's threads end with it), so the code they have compiled for the JIT is not thrown
 * away while the conversion worker keeps its own (issue 17: a member thread warms over several
 * uploads, like the conversion thread).
 */
export function keepMemberThreads(keep = true): void {
  idleMs = keep ? Number.POSITIVE_INFINITY : 60_000;
}

/**
 * The thread's entry: from the TypeScript sources, the tsx bootstrap the encoder thread uses; from
 * the production bundle (scripts/build-server.mjs), the compiled thread beside the bundle.
 */
const ENTRY = import.meta.url.endsWith('.ts')
  ? new URL('./parquet/parquet-encoder-bootstrap.mjs', import.meta.url)
  : new URL('./member-converter.mjs', import.meta.url);

export class MemberThread {
  private next = 0;
  private readonly pending = new Map<number, { resolve: (reply: MemberReply) => void; reject: (e: Error) => void }>();
  private broken: Error | undefined;
  /** Resolves once the thread has loaded and can convert (a new thread compiles for a while first). */
  readonly ready: Promise<void>;
  private timer: NodeJS.Timeout | undefined;

  private constructor(private readonly worker: Worker) {
    let onReady: () => void = () => undefined;
    this.ready = new Promise<void>((resolve) => {
      onReady = resolve;
    });
    worker.on('message', (message: { ready: true } | { id: number; reply: MemberReply }) => {
      if ('ready' in message) return onReady();
      const waiting = this.pending.get(message.id);
      this.pending.delete(message.id);
      waiting?.resolve(message.reply);
    });
    const fail = (error: Error) => {
      this.broken ??= error;
      onReady();
      for (const waiting of this.pending.values()) waiting.reject(error);
      this.pending.clear();
    };
    worker.on('error', (error: Error & { code?: string }) => fail(error));
    worker.on('exit', (code) => fail(new Error(`a member conversion thread stopped (exit code ${code})`)));
  }

  static start(): MemberThread {
    const worker = new Worker(ENTRY, {
      workerData: { entry: new URL('./member-converter.ts', import.meta.url).href },
      resourceLimits: { maxOldGenerationSizeMb: MEMBER_THREAD_HEAP_MB },
    });
    return new MemberThread(worker);
  }

  get usable(): boolean {
    return this.broken === undefined;
  }

  /** Converts one member on the thread; a crash or an exhausted heap fails it as the conversion worker would. */
  async convert(request: MemberRequest): Promise<unknown> {
    if (this.broken) throw this.broken;
    const id = ++this.next;
    const reply = await new Promise<MemberReply>((resolve, reject) => {
      this.pending.set(id, { resolve, reject });
      this.worker.postMessage({ id, request });
    }).catch((error: Error & { code?: string }) => {
      if (error.code === 'ERR_WORKER_OUT_OF_MEMORY') {
        throw new FormatError(`needs more than ${MEMBER_THREAD_HEAP_MB} MB of memory to convert`, {
          file: request.source,
        });
      }
      throw error;
    });
    if (reply.ok) return reply.outcome;
    if (reply.format) throw new FormatError(reply.reason, reply.location);
    throw new Error(reply.message);
  }

  /** Kept for the next upload (it does not keep the process alive), or stopped when broken. */
  park(): void {
    if (!this.usable) {
      void this.worker.terminate();
      return;
    }
    this.worker.unref();
    idle.push(this);
    if (idleMs === Number.POSITIVE_INFINITY) return;
    this.timer = setTimeout(() => {
      const at = idle.indexOf(this);
      if (at >= 0) idle.splice(at, 1);
      void this.worker.terminate();
    }, idleMs);
    this.timer.unref();
  }

  /** Taken for an upload: it keeps the process alive again while it works. */
  unpark(): this {
    if (this.timer) clearTimeout(this.timer);
    this.timer = undefined;
    this.worker.ref();
    return this;
  }
}

const idle: MemberThread[] = [];

/**
 * Up to `count` member threads for one upload: kept ones first, new ones for the rest. None on one
 * core (the conversion thread is the only one that would run).
 */
export function takeMemberThreads(count: number): MemberThread[] {
  if (os.availableParallelism() < 2) return [];
  const threads: MemberThread[] = [];
  while (threads.length < count) {
    const kept = idle.pop();
    if (kept && !kept.usable) continue;
    threads.push(kept ? kept.unpark() : MemberThread.start());
  }
  return threads;
}

/**
 * Starts the member threads an upload will use, ahead of the first one (the server's conversion
 * worker calls this as it starts): up to one per core beside the calling thread. Resolves once
 * they have loaded (nobody needs to wait for that).
 */
export async function warmMemberThreads(count = os.availableParallelism() - 1): Promise<void> {
  const threads = takeMemberThreads(Math.max(0, count - idle.length));
  for (const thread of threads) thread.park();
  // Parked threads do not keep the process alive; a caller that awaits the warm-up (a bench, a
  // script) must not see its process exit with the promise unsettled (exit code 13).
  const alive = setInterval(() => undefined, 60_000);
  try {
    await Promise.all(threads.map((thread) => thread.ready));
  } finally {
    clearInterval(alive);
  }
}
