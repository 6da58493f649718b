import { randomBytes } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type OpenDuckDb, openDuckDb } from './duckdb.ts';
import { forgetPhiDataKeys, openPhiValue, registerPhiDataKey, sealPhiValue } from './phi-seal.ts';

let db: OpenDuckDb;
beforeAll(async () => {
  db = await openDuckDb();
  registerPhiDataKey('k-test', randomBytes(32));
});
afterAll(() => {
  db.close();
  forgetPhiDataKeys();
});

describe('sealed PHI values', () => {
  it('round-trip through DuckDB: every value sealed with its own IV, opened back exactly, nulls kept', async () => {
    const reader = await db.connection.runAndReadAll(
      `SELECT v, s, cdp_phi_open(s) AS back FROM (
         SELECT v, cdp_phi_seal('k-test', v) AS s FROM (VALUES ('1951-03-17'), ('1951-03-17'), ('Q.J.X'), ('Ünïcode ≥'), (NULL)) t(v))`,
    );
    const rows = reader.getRowObjects() as Array<{ v: string | null; s: string | null; back: string | null }>;
    expect(rows.map((r) => r.back)).toEqual(rows.map((r) => r.v));
    expect(rows[4]?.s).toBeNull();
    // The same value twice seals differently (random IV), and no sealed value shows its clear text.
    expect(rows[0]?.s).not.toBe(rows[1]?.s);
    for (const row of rows.slice(0, 4)) {
      expect(row.s).toMatch(/^p1\.k-test\.[A-Za-z0-9_-]+$/);
      expect(row.s).not.toContain(row.v as string);
    }
  });

  it('refuses a value whose key is not loaded, or that was altered, naming why', async () => {
    const sealed = sealPhiValue('k-test', 'QJX');
    await expect(db.connection.run(`SELECT cdp_phi_open('${sealed.replace('k-test', 'k-other')}')`)).rejects.toThrow(
      /PHI data key k-other is not loaded/,
    );
    const payload = Buffer.from(sealed.split('.')[2] as string, 'base64url');
    payload[payload.length - 1] = (payload[payload.length - 1] ?? 0) ^ 1;
    expect(() => openPhiValue(`p1.k-test.${payload.toString('base64url')}`)).toThrow();
    expect(() => openPhiValue('not sealed')).toThrow(/not a sealed PHI value/);
  });
});
