import { mkdir, rm } from 'node:fs/promises';
import path from 'node:path';
import { parentPort, workerData } from 'node:worker_threads';
import { convertUpload, FormatError, keepMemberThreads, warmMemberThreads } from '@cdp/formats';
import { lowerThisThreadPriority } from '../lib/process-priority.ts';
import type { ConvertReply, ConvertRequest, WarmUpRequest } from './convert-in-worker.ts';

// Before the first conversion (the imports above were loaded at the usual priority: once per thread).
if (typeof workerData?.nice === 'number' && workerData.nice > 0) lowerThisThreadPriority(workerData.nice);
// The threads a ZIP's members convert on beside this one load now, not during the first upload
// (they start from this thread, so they inherit its lowered priority), and stay as long as this
// worker does: what their JIT compiled is kept with what this thread's compiled.
keepMemberThreads();
void warmMemberThreads();

/** The warm-up's synthetic transfer, written on the first warm-up round (see warm-up-transfer.ts). */
let warmUpZip: Promise<string> | undefined;

async function warmUpRound(request: WarmUpRequest, id: number): Promise<ConvertReply> {
  if (!warmUpZip) {
    await mkdir(request.dir, { recursive: true });
    // Loaded only here: a worker that never warms up never compiles the demo generator.
    const { writeWarmUpTransfer } = await import('./warm-up-transfer.ts');
    warmUpZip = writeWarmUpTransfer(request.dir);
  }
  const zip = await warmUpZip;
  const outDir = path.join(request.dir, `round-${id}`);
  try {
    return { ok: true, result: await convertUpload(zip, 'warm-up.zip', outDir, { tempDirectory: `${outDir}.spill` }) };
  } finally {
    await Promise.all([
      rm(outDir, { recursive: true, force: true }),
      rm(`${outDir}.spill`, { recursive: true, force: true }),
    ]);
  }
}

/**
 * Runs the uploads' conversions it is sent, one at a time, and reports each result, or the error
 * in a form that survives the trip. The thread stays for the next upload (see convert-in-worker.ts).
 * A warm-up round converts the synthetic transfer instead (`warmUpConversion`).
 */
parentPort?.on(
  'message',
  async ({ id, request, warmUp }: { id: number; request?: ConvertRequest; warmUp?: WarmUpRequest }) => {
    let reply: ConvertReply;
    try {
      if (warmUp) reply = await warmUpRound(warmUp, id);
      else if (request) {
        reply = {
          ok: true,
          result: await convertUpload(request.file, request.fileName, request.outDir, request.limits),
        };
      } else throw new Error('a message with neither a conversion nor a warm-up');
    } catch (error) {
      reply =
        error instanceof FormatError
          ? { ok: false, kind: 'format', reason: error.reason, location: error.location }
          : {
              ok: false,
              kind: 'internal',
              message: error instanceof Error ? (error.stack ?? error.message) : String(error),
            };
    }
    parentPort?.postMessage({ id, reply });
  },
);
