import type { Database } from '@cdp/db';
import type { ConvertedUpload } from '@cdp/formats';
import type { Logger } from 'pino';
import type { AccessTokens } from '../auth/tokens.ts';
import type { Config } from '../config.ts';
import type { ConvertRequest } from '../ingest/convert-in-worker.ts';
import type { SyncPath } from './durable-files.ts';

/** What every route and job handler can reach: built once per process in main.ts or a test. */
export interface AppContext {
  config: Config;
  database: Database;
  tokens: AccessTokens;
  log: Logger;
  /**
   * Converts an upload's files to Parquet; `convertInWorker` (a worker thread) when unset, as in
   * every process `cdp` starts. Tests pass one that reuses an identical earlier conversion
   * (apps/server/test/shared-conversions.ts), so the pilot SDTM is converted once per run.
   */
  convertUpload?: (request: ConvertRequest, concurrency: number) => Promise<ConvertedUpload>;
  /** Flushes a written file or folder to the disk; `syncPath` when unset. Tests count or fail it. */
  syncPath?: SyncPath;
}
