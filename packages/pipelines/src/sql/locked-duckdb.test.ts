import { describe, expect, it } from 'vitest';
import { openLockedDuckDb } from './locked-duckdb.ts';

/** The second wall: even a statement that got past the checks cannot reach files or settings. */
describe('openLockedDuckDb', () => {
  it.each([
    ["SELECT * FROM read_csv('/etc/passwd')", 'file system operations are disabled'],
    ["COPY (SELECT 1) TO '/tmp/cdp-locked.csv'", 'file system operations are disabled'],
    ["ATTACH '/tmp/cdp-locked.duckdb'", 'file system operations are disabled'],
    ['LOAD httpfs', 'disabled'],
    ['SET enable_external_access = true', 'the configuration has been locked'],
    ["SET memory_limit = '100GB'", 'the configuration has been locked'],
    ['SET threads = 64', 'the configuration has been locked'],
  ])('refuses %s', async (sql, message) => {
    const db = await openLockedDuckDb({ allowedPaths: [], memoryBytes: 128 * 1024 ** 2, threads: 1 });
    try {
      await expect(db.connection.run(sql)).rejects.toThrow(message);
    } finally {
      db.close();
    }
  });

  it('keeps the memory limit and thread count it was given', async () => {
    const db = await openLockedDuckDb({ allowedPaths: [], memoryBytes: 256 * 1024 ** 2, threads: 1 });
    try {
      const reader = await db.connection.runAndReadAll(
        "SELECT current_setting('memory_limit'), current_setting('threads')",
      );
      expect(reader.getRowsJson()[0]).toEqual(['256.0 MiB', '1']);
    } finally {
      db.close();
    }
  });
});
