import { createDatabase } from '@cdp/db';
import { buildApp } from './app.ts';
import { AccessTokens } from './auth/tokens.ts';
import { loadConfig } from './config.ts';
import { createLogger } from './lib/logger.ts';

/**
 * The OpenAPI document of this build, without a server or a database: the app is built (the pool
 * never connects), asked for its document and closed. For `npm run sdk:generate` and its test.
 */
export async function openapiDocument(): Promise<object> {
  const config = loadConfig({ LOG_LEVEL: 'silent', DATA_DIR: '/nonexistent-cdp-openapi' });
  const database = createDatabase({ connectionString: 'postgres://openapi@127.0.0.1:1/none', max: 1 });
  const app = await buildApp(
    { config, database, log: createLogger('silent'), tokens: new AccessTokens('x'.repeat(48), 900) },
    { logger: false },
  );
  try {
    await app.ready();
    return app.swagger() as object;
  } finally {
    await app.close();
    await database.close();
  }
}
