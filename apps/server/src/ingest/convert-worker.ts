import { parentPort, workerData } from 'node:worker_threads';
import { convertUpload, FormatError, warmMemberThreads } from '@cdp/formats';
import { lowerThisThreadPriority } from '../lib/process-priority.ts';
import type { ConvertReply, ConvertRequest } from './convert-in-worker.ts';

// Before the first conversion (the imports above were loaded at the usual priority: once per thread).
if (typeof workerData?.nice === 'number' && workerData.nice > 0) lowerThisThreadPriority(workerData.nice);
// The threads a ZIP's members convert on beside this one load now, not during the first upload
// (they start from this thread, so they inherit its lowered priority).
void warmMemberThreads();

/**
 * Runs the uploads' conversions it is sent, one at a time, and reports each result, or the error
 * in a form that survives the trip. The thread stays for the next upload (see convert-in-worker.ts).
 */
parentPort?.on('message', async ({ id, request }: { id: number; request: ConvertRequest }) => {
  let reply: ConvertReply;
  try {
    reply = { ok: true, result: await convertUpload(request.file, request.fileName, request.outDir, request.limits) };
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
});
