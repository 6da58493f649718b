import { createDatabase } from '@cdp/db';
import { describe, expect, it } from 'vitest';
import { testDatabase } from '../../test/test-database.ts';

/**
 * `cdp_db_pool_wait_seconds` (createDatabase's `onConnectionWait`): how long a transaction waited
 * for a pooled connection, which tells a pool too small (or a process starved of CPU holding its
 * connections) apart from slow queries.
 */
describe('pool waits', () => {
  it('reports each transaction’s wait for a connection: none with one free, the holder’s time with none', async () => {
    const waits: number[] = [];
    const database = createDatabase({
      connectionString: testDatabase().appUrl,
      max: 1,
      onConnectionWait: (seconds) => waits.push(seconds),
    });
    try {
      await database.system(async () => undefined);
      let release = () => {};
      const held = database.system(() => new Promise<void>((resolve) => (release = resolve)));
      // The second waits for the only connection until the first lets it go, 300 ms later.
      const second = database.tenantReads('00000000-0000-4000-8000-000000000001', ['select 1'], {});
      setTimeout(() => release(), 300);
      await Promise.all([held, second]);
      expect(waits).toHaveLength(3);
      expect(waits[2]).toBeGreaterThanOrEqual(0.25);
      expect(Math.min(waits[0] ?? 1, waits[1] ?? 1)).toBeLessThan(0.25);
    } finally {
      await database.close();
    }
  }, 30_000);
});
