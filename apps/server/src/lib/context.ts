import type { Database } from '@cdp/db';
import type { Logger } from 'pino';
import type { AccessTokens } from '../auth/tokens.ts';
import type { Config } from '../config.ts';

/** What every route and job handler can reach: built once per process in main.ts or a test. */
export interface AppContext {
  config: Config;
  database: Database;
  tokens: AccessTokens;
  log: Logger;
}
