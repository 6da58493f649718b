import { describe, expect, it } from 'vitest';
import { WorkLimiter } from './work-limiter.ts';

function deferred() {
  let resolve!: () => void;
  const promise = new Promise<void>((r) => {
    resolve = r;
  });
  return { promise, resolve };
}

describe('WorkLimiter', () => {
  it('runs at most `limit` tasks at once and starts the others in arrival order', async () => {
    const limiter = new WorkLimiter(2);
    const gates = [deferred(), deferred(), deferred(), deferred()];
    const started: number[] = [];
    const done = gates.map((gate, i) =>
      limiter.run(async () => {
        started.push(i);
        await gate.promise;
        return i;
      }),
    );
    await Promise.resolve();
    expect(started).toEqual([0, 1]);
    expect(limiter.load).toEqual({ running: 2, waiting: 2 });
    gates[1]?.resolve();
    await done[1];
    await Promise.resolve();
    expect(started).toEqual([0, 1, 2]);
    gates[0]?.resolve();
    gates[2]?.resolve();
    gates[3]?.resolve();
    expect(await Promise.all(done)).toEqual([0, 1, 2, 3]);
    expect(started).toEqual([0, 1, 2, 3]);
    expect(limiter.load).toEqual({ running: 0, waiting: 0 });
  });

  it('starts waiting tasks lowest rank first, equal ranks in arrival order, unranked last', async () => {
    const limiter = new WorkLimiter(1);
    const gate = deferred();
    const started: string[] = [];
    const task = (name: string) => async () => {
      started.push(name);
      if (name === 'first') await gate.promise;
    };
    const done = [
      limiter.run(task('first'), 5),
      limiter.run(task('unranked')),
      limiter.run(task('page 3 a'), 3),
      limiter.run(task('page 2'), 2),
      limiter.run(task('page 3 b'), 3),
      limiter.run(task('page 1'), 1),
    ];
    await Promise.resolve();
    expect(limiter.load).toEqual({ running: 1, waiting: 5 });
    gate.resolve();
    await Promise.all(done);
    expect(started).toEqual(['first', 'page 1', 'page 2', 'page 3 a', 'page 3 b', 'unranked']);
  });

  it('says which rank is served: the highest started, queued ones and unranked ones not counted', async () => {
    const limiter = new WorkLimiter(1);
    const gate = deferred();
    expect(limiter.served).toBe(Number.NEGATIVE_INFINITY);
    const first = limiter.run(() => gate.promise, 4);
    const later = limiter.run(async () => limiter.served, 9);
    const unranked = limiter.run(async () => limiter.served);
    expect(limiter.served).toBe(4);
    gate.resolve();
    expect(await later).toBe(9);
    expect(await unranked).toBe(9);
    await first;
    await limiter.run(async () => undefined, 2);
    expect(limiter.served).toBe(9);
  });

  it('frees the slot of a task that fails', async () => {
    const limiter = new WorkLimiter(1);
    await expect(limiter.run(() => Promise.reject(new Error('boom')))).rejects.toThrow('boom');
    expect(await limiter.run(async () => 'next')).toBe('next');
    expect(limiter.load).toEqual({ running: 0, waiting: 0 });
  });

  it('refuses a limit below one', () => {
    expect(() => new WorkLimiter(0)).toThrow(/whole number ≥ 1/);
  });
});
