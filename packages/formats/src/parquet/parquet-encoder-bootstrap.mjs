// The Parquet encoder thread started from the TypeScript sources (development, tests, benches):
// workers start without their parent's loaders, so register tsx, then load the TypeScript entry.
// The production bundle starts its compiled `parquet-encoder.mjs` instead (scripts/build-server.mjs).
import { workerData } from 'node:worker_threads';
import { register } from 'tsx/esm/api';

register();
await import(workerData.entry);
