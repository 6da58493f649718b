import { rm, stat } from 'node:fs/promises';
import { Worker } from 'node:worker_threads';
import { type ConvertedUpload, FormatError, type FormatErrorLocation, type UploadLimits } from '@cdp/formats';
import { conversionBytesTotal, conversionRowsTotal, conversionSeconds } from '../lib/metrics.ts';

export interface ConvertRequest {
  file: string;
  fileName: string;
  outDir: string;
  limits: UploadLimits;
}

/** A warm-up round: the synthetic transfer, written into (and converted under) `dir`. */
export interface WarmUpRequest {
  dir: string;
}

export type ConvertReply =
  | { ok: true; result: ConvertedUpload }
  | { ok: false; kind: 'format'; reason: string; location: FormatErrorLocation }
  | { ok: false; kind: 'internal'; message: string };

/**
 * The thread's entry: from the sources, a bootstrap that registers tsx and loads convert-worker.ts;
 * from the production build (scripts/build-server.mjs), the compiled worker beside the bundle.
 */
const WORKER_ENTRY = process.env.CDP_BUNDLED
  ? new URL('./convert-worker.mjs', import.meta.url)
  : new URL('./worker-bootstrap.mjs', import.meta.url);

/**
 * Nice value of the conversion threads (BACKGROUND_NICE, set by `cdp` at start): a conversion is
 * seconds of CPU that nobody but its uploader waits for, and on a busy machine it must not take a
 * core from the requests of every other user. The thread lowers its own priority as it starts;
 * the Parquet encoder thread it may start inherits it. libuv's pool (DuckDB's queries) is not
 * touched: it is started, at the process's priority, long before the first upload.
 */
let threadNice = 10;

export function setConversionThreadNice(nice: number): void {
  threadNice = nice;
}

/**
 * JavaScript heap a conversion may use; DuckDB's own memory is limited separately (DUCKDB_MEMORY_LIMIT).
 * A cap, not a reservation: a streamed conversion keeps 30-60 MB of heap. Not lower than 2 GB:
 * V8 sizes its heap growing factor from this cap (1.3 at 256 MB up to 4 from 2 GB), and at 768 MB a
 * conversion's buffers made it mark the whole heap every few milliseconds: measured, the pilot SDTM
 * ZIP cost 270-320 ms CPU in a 768 MB worker against 110-150 ms in a 2 GB one (issue 17).
 */
const WORKER_HEAP_MB = 2048;

/**
 * Conversions running in this process, and uploads waiting for a turn. Each conversion may take a
 * worker heap plus DuckDB's memory, so an unbounded number would trade a slow upload for a server
 * out of memory; past the limit (CONVERSION_CONCURRENCY) uploads wait.
 */
let running = 0;
const waiting: (() => void)[] = [];

async function acquire(limit: number): Promise<void> {
  if (running < limit) {
    running++;
    return;
  }
  // The finishing conversion hands its slot straight to us (see release): `running` stays put.
  await new Promise<void>((resolve) => waiting.push(resolve));
}

function release(): void {
  const next = waiting.shift();
  if (next) next();
  else running--;
}

/**
 * Converts an upload in a worker thread. Decoding a 1 GB SAS file is half a minute of CPU: on the
 * API's thread it would stall every other request of every tenant for that long. A worker also
 * bounds the memory one file can take, and a file that exhausts it fails alone.
 */
export async function convertInWorker(request: ConvertRequest, concurrency: number): Promise<ConvertedUpload> {
  await acquire(concurrency);
  const stopTimer = conversionSeconds.startTimer();
  try {
    const result = await runWorker(request);
    stopTimer({ outcome: 'ok' });
    conversionBytesTotal.inc((await stat(request.file).catch(() => ({ size: 0 }))).size);
    conversionRowsTotal.inc(result.datasets.reduce((sum, d) => sum + d.rows, 0));
    return result;
  } catch (error) {
    stopTimer({ outcome: 'failed' });
    throw error;
  } finally {
    release();
  }
}

/**
 * Workers kept between uploads. Starting a worker (a new V8 isolate that loads the formats package,
 * and in development compiles it through tsx) took longer than converting most SDTM transfers;
 * an idle worker is reused, and stops by itself after `IDLE_MS` so a quiet server holds no heap
 * for it. One worker may be kept for good instead (`keepConversionWorker`, CONVERSION_KEEP_WORKER):
 * with its member threads, what the JIT compiled for the readers and the Parquet writer survives a
 * quiet hour (issue 17: a new isolate converts the pilot SDTM with 3-5 times the CPU of one that
 * has converted eight uploads). A worker that failed in any way other than a reported conversion
 * error is never reused.
 */
const idle: Worker[] = [];
const IDLE_MS = 60_000;
const parkedState = new WeakMap<Worker, { timer: NodeJS.Timeout | undefined; forget: () => void }>();
let nextRequest = 0;
let keepOne = false;
/** The worker kept for good, busy or parked; `null` until one is parked (or after it failed). */
let resident: Worker | null = null;
/** A warm-up round under way: the resident worker is busy with it, an upload waits for it. */
let warming: Promise<void> | null = null;

/** Turned off (tests), a kept worker that is parked stops now; a busy one stops after its upload's idle minute. */
export function keepConversionWorker(keep: boolean): void {
  keepOne = keep;
  if (keep || !resident) return;
  const kept = resident;
  resident = null;
  const at = idle.indexOf(kept);
  if (at < 0) return;
  idle.splice(at, 1);
  void kept.terminate();
}

/** Thread ids of the parked conversion workers, the last parked last (tests, diagnostics). */
export function parkedConversionWorkers(): number[] {
  return idle.map((worker) => worker.threadId);
}

function startWorker(): Worker {
  const worker = new Worker(WORKER_ENTRY, {
    workerData: { entry: new URL('./convert-worker.ts', import.meta.url).href, nice: threadNice },
    resourceLimits: { maxOldGenerationSizeMb: WORKER_HEAP_MB },
  });
  // An idle worker must not keep the process alive (tests, `cdp` shutting down).
  worker.unref();
  // A failure while idle must not become the server's uncaught error; the worker then exits and
  // leaves the pool (parkWorker). During a conversion, runWorker's own listener reports it.
  worker.on('error', () => undefined);
  return worker;
}

async function takeWorker(): Promise<Worker> {
  // A warm-up round takes a fraction of a conversion: waiting for its worker beats starting one.
  if (idle.length === 0 && warming) await warming;
  const worker = idle.pop();
  if (!worker) return startWorker();
  const parked = parkedState.get(worker);
  if (parked) {
    clearTimeout(parked.timer);
    worker.off('exit', parked.forget);
  }
  return worker;
}

function parkWorker(worker: Worker): void {
  idle.push(worker);
  if (keepOne && resident === null) resident = worker;
  // A worker that ends while idle (its timer below, or a crash) must never be handed an upload.
  const forget = () => {
    const at = idle.indexOf(worker);
    if (at >= 0) idle.splice(at, 1);
    if (resident === worker) resident = null;
  };
  worker.once('exit', forget);
  const timer = resident === worker ? undefined : setTimeout(() => void worker.terminate(), IDLE_MS);
  timer?.unref();
  parkedState.set(worker, { timer, forget });
}

/**
 * Starts a conversion worker ahead of the first upload, so that upload does not wait for one to
 * load. Harmless to call more than once: it only fills the idle pool up to one worker.
 */
export function warmConversionWorker(): void {
  if (idle.length === 0 && running === 0 && !warming) parkWorker(startWorker());
}

/**
 * Compiles the conversion code before the first upload needs it (issue 17): the kept worker
 * converts a synthetic SDTM transfer (`warm-up-transfer.ts`, under `dir`) up to `rounds` times, at
 * the conversion threads' background priority, so V8's optimizing compiler has seen the readers,
 * the Parquet writer and the member threads at work. Round by round: it stops as soon as an upload
 * is under way (the upload waits for the round in flight at most, and warms the code itself).
 * Resolves with the rounds done; a round that fails ends the warm-up (logged by the caller), never
 * the server.
 */
export async function warmUpConversion(dir: string, rounds: number): Promise<number> {
  let done = 0;
  try {
    while (done < rounds && running === 0 && waiting.length === 0) {
      const round = takeWorker().then((worker) => exchange(worker, { warmUp: { dir } }, 'warm-up.zip'));
      warming = round.then(
        () => undefined,
        () => undefined,
      );
      await round;
      warming = null;
      done++;
    }
  } finally {
    warming = null;
    await rm(dir, { recursive: true, force: true });
  }
  return done;
}

function runWorker(request: ConvertRequest): Promise<ConvertedUpload> {
  return takeWorker().then((worker) => exchange(worker, { request }, request.fileName));
}

/** Sends `message` to a worker taken from the pool and settles with its reply; the worker goes back to the pool or stops. */
function exchange(
  worker: Worker,
  message: { request: ConvertRequest } | { warmUp: WarmUpRequest },
  fileName: string,
): Promise<ConvertedUpload> {
  return new Promise((resolve, reject) => {
    const id = ++nextRequest;
    worker.ref();
    let settled = false;
    const settle = (reuse: boolean, fn: () => void) => {
      if (settled) return;
      settled = true;
      worker.off('message', onMessage);
      worker.off('error', onError);
      worker.off('exit', onExit);
      worker.unref();
      if (reuse) parkWorker(worker);
      else {
        if (resident === worker) resident = null;
        void worker.terminate();
      }
      fn();
    };
    const onMessage = (message: { id: number; reply: ConvertReply }) => {
      if (message.id !== id) return;
      const reply = message.reply;
      // An internal failure may have left the worker in any state: it is not reused.
      settle(reply.ok || reply.kind === 'format', () => {
        if (reply.ok) resolve(reply.result);
        else if (reply.kind === 'format') reject(new FormatError(reply.reason, reply.location));
        else reject(new Error(`conversion failed: ${reply.message}`));
      });
    };
    const onError = (error: Error & { code?: string }) =>
      settle(false, () => {
        if (error.code === 'ERR_WORKER_OUT_OF_MEMORY') {
          reject(new FormatError(`needs more than ${WORKER_HEAP_MB} MB of memory to convert`, { file: fileName }));
        } else reject(error);
      });
    const onExit = (code: number) =>
      settle(false, () => reject(new Error(`the conversion worker stopped (exit code ${code})`)));
    worker.on('message', onMessage);
    worker.once('error', onError);
    worker.once('exit', onExit);
    worker.postMessage({ id, ...message });
  });
}
