import { parentPort, workerData } from 'node:worker_threads';
import { ClinicalLane } from './clinical-lane.ts';

/**
 * A clinical-data parsing lane in a worker thread (see parse-clinical.ts): pieces come in as
 * transferred bytes and are parsed one after the other; `finish` closes the lane's files.
 */
export type LaneRequest = { type: 'piece'; index: number; first: boolean; bytes: Uint8Array } | { type: 'finish' };

const { dir, lane, byteScanner } = workerData as { dir: string; lane: number; byteScanner: boolean };
const parser = new ClinicalLane(dir, lane, byteScanner);
const port = parentPort;
if (!port) throw new Error('clinical-lane-worker runs in a worker thread only');

// Messages are handled strictly in order: a piece's staged lines must follow the previous piece's.
let queue = Promise.resolve();
port.on('message', (request: LaneRequest) => {
  queue = queue
    .then(async () => {
      if (request.type === 'piece') {
        const result = await parser.parsePiece(request.index, request.bytes, request.first);
        port.postMessage({ type: 'piece', result });
      } else {
        port.postMessage({ type: 'finish', result: await parser.finish() });
      }
    })
    .catch((error: unknown) => {
      port.postMessage({ type: 'failed', message: String((error as Error)?.message ?? error) });
    });
});
port.postMessage({ type: 'ready' });
