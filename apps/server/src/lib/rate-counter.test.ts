import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type Session, startTestApp, type Tenant, type TestApp } from '../../test/harness.ts';
import { exactMargin, pendingCap } from './rate-counter.ts';

/**
 * Rate limits counted in memory far from a limit and in PostgreSQL near it (lib/rate-counter.ts),
 * on the real database, with two app instances standing for two API processes.
 */
let a: TestApp;
let b: TestApp;
let tenant: Tenant;
let admin: Session;

beforeAll(async () => {
  a = await startTestApp();
  b = await startTestApp();
  tenant = await a.tenant();
  admin = await tenant.as('org_admin');
});
afterAll(async () => {
  await a?.close();
  await b?.close();
});

async function keyWith(hourlyLimit: number): Promise<Record<string, string>> {
  const res = await a.request(admin, {
    method: 'POST',
    url: '/api/api-keys',
    payload: { name: `limit ${hourlyLimit}`, scopes: ['study:view:assigned'], hourlyLimit, dailyLimit: 1_000_000 },
  });
  expect(res.statusCode, res.body).toBe(201);
  const { data, secret } = res.json() as { data: { id: string }; secret: string };
  return { 'x-api-key': secret, id: data.id };
}

const one = (t: TestApp, key: Record<string, string>) =>
  t.request(null, {
    method: 'GET',
    url: `/api/studies/${tenant.study.id}`,
    headers: { 'x-api-key': key['x-api-key'] ?? '' },
  });

async function storedHits(t: TestApp, keyId: string): Promise<number> {
  const { rows } = await t.admin.query<{ hits: number }>(
    `select hits from rate_limit_counters where bucket = $1 and window_start = to_timestamp(floor(extract(epoch from now()) / 3600) * 3600)`,
    [`key:${keyId}:h`],
  );
  return rows[0]?.hits ?? 0;
}

/**
 * The stored hits once they reach `expected` (or what they are after `timeoutMs`): a flush is
 * waited for as long as it takes on a loaded machine, not for a fixed time, and a count that
 * overshoots in the same write still shows.
 */
async function settledHits(t: TestApp, keyId: string, expected: number, timeoutMs = 15_000): Promise<number> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const hits = await storedHits(t, keyId);
    if (hits >= expected || Date.now() > deadline) return hits;
    await new Promise((resolve) => setTimeout(resolve, 50));
  }
}

describe('batched rate-limit counters', () => {
  it('margins: exact within 20 requests or 5% of a limit; at most a quarter of that held unwritten', () => {
    expect(exactMargin(100)).toBe(20);
    expect(exactMargin(10_000)).toBe(500);
    expect(pendingCap(100)).toBe(5);
    expect(pendingCap(10_000)).toBe(125);
  });

  it('one process is exact: a limit of 60 lets exactly 60 through, with Remaining counting down by one', async () => {
    const key = await keyWith(60);
    const remaining: number[] = [];
    let refused = 0;
    for (let i = 0; i < 70; i += 1) {
      const res = await one(a, key);
      if (res.statusCode === 429) refused += 1;
      else remaining.push(Number(res.headers['ratelimit-remaining']));
    }
    expect(remaining).toEqual(Array.from({ length: 60 }, (_, i) => 59 - i));
    expect(refused).toBe(10);
  });

  it('one process is exact under concurrency too: 45 requests at once on a limit of 30 let exactly 30 through', async () => {
    const key = await keyWith(30);
    const answers = await Promise.all(Array.from({ length: 45 }, () => one(a, key)));
    expect(answers.filter((r) => r.statusCode === 200)).toHaveLength(30);
    expect(answers.filter((r) => r.statusCode === 429)).toHaveLength(15);
    expect(await settledHits(a, key.id ?? '', 45)).toBe(45);
  });

  it('far from the limit, counts are written in batches (within RATE_LIMIT_FLUSH_MS), none lost', async () => {
    const slow = await startTestApp({ rateLimitFlushMs: 1500 });
    try {
      const key = await keyWith(100_000);
      for (let i = 0; i < 30; i += 1) expect((await one(slow, key)).statusCode).toBe(200);
      // Fewer than 30 are in the database right after (the rest are in memory)…
      expect(await storedHits(a, key.id ?? '')).toBeLessThan(30);
      // …and all 30 once a flush has run.
      expect(await settledHits(a, key.id ?? '', 30)).toBe(30);
    } finally {
      await slow.close();
    }
  });

  it('two processes: a limit of 40 is overshot by no more than pendingCap, and every request is counted', async () => {
    const key = await keyWith(40);
    let allowed = 0;
    for (let i = 0; i < 60; i += 1) {
      const res = await one(i % 2 === 0 ? a : b, key);
      if (res.statusCode === 200) allowed += 1;
      else expect(res.statusCode).toBe(429);
    }
    expect(allowed).toBeGreaterThanOrEqual(40);
    expect(allowed).toBeLessThanOrEqual(40 + pendingCap(40));
    expect(await settledHits(a, key.id ?? '', 60)).toBe(60);
  });

  it('RATE_LIMIT_FLUSH_MS=0 writes every request at once', async () => {
    const every = await startTestApp({ rateLimitFlushMs: 0 });
    try {
      const key = await keyWith(100_000);
      for (let i = 0; i < 5; i += 1) expect((await one(every, key)).statusCode).toBe(200);
      expect(await storedHits(every, key.id ?? '')).toBe(5);
    } finally {
      await every.close();
    }
  });

  it('writes what it holds when the app closes', async () => {
    const closing = await startTestApp({ rateLimitFlushMs: 60_000 });
    const key = await keyWith(100_000);
    for (let i = 0; i < 6; i += 1) expect((await one(closing, key)).statusCode).toBe(200);
    expect(await storedHits(a, key.id ?? '')).toBeLessThan(6);
    await closing.close();
    expect(await storedHits(a, key.id ?? '')).toBe(6);
  });
});
