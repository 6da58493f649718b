import { unlink } from 'node:fs/promises';
import type { QuerySpec } from '@cdp/contracts';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { StoredDataset } from '../dataset-store.ts';
import { QueryError } from '../query-error.ts';
import { QueryEngine, QueryTimeoutError } from './query-engine.ts';
import { filter, makeStudy, ref, type TestStudy } from './test-support.ts';

let study: TestStudy;
const engines: QueryEngine[] = [];

// Queries as asked, each its own: partials (subject-partials.ts, tested apart) would answer ranged
// counts from one partial and hide the turns, statements and failures these tests watch.
function newEngine(options: ConstructorParameters<typeof QueryEngine>[0] = {}): QueryEngine {
  const engine = new QueryEngine({ threads: 2, partials: false, ...options });
  engines.push(engine);
  return engine;
}

beforeAll(async () => {
  study = await makeStudy();
});

afterAll(async () => {
  for (const engine of engines) await engine.close();
  await study.remove();
});

const bySex: QuerySpec = {
  from: 'DM',
  groupBy: [{ column: ref('DM', 'SEX'), as: 'sex' }],
  measures: [{ op: 'count', as: 'n' }],
};

/** Runs specs on `engine` under given tickets and notes the order in which they finish. */
function inTurn(engine: QueryEngine, resolver: (name: string) => StoredDataset | undefined) {
  const done: string[] = [];
  const ask = (name: string, spec: QuerySpec, ticket: number) =>
    engine.run(spec, resolver, { cacheKey: 'v1', ticket }).then(({ result }) => {
      done.push(name);
      return result.rows;
    });
  return { done, ask };
}

describe('cache', () => {
  it('serves a repeated spec from the cache, per data version', async () => {
    const engine = newEngine();
    const first = await engine.run(bySex, study.resolve, { cacheKey: 'v1' });
    expect(first.cached).toBe(false);
    expect(first.result.rows).toEqual([
      ['F', 3],
      ['M', 3],
    ]);
    const again = await engine.run(bySex, study.resolve, { cacheKey: 'v1' });
    expect(again).toMatchObject({ cached: true, result: first.result });
    expect((await engine.run(bySex, study.resolve, { cacheKey: 'v2' })).cached).toBe(false);
  });

  it('knows a spec whatever the order of its keys and whether defaults are spelled out', async () => {
    const engine = newEngine();
    await engine.run(bySex, study.resolve, { cacheKey: 'v1' });
    const same: QuerySpec = {
      measures: [{ as: 'n', op: 'count', where: [] }],
      groupBy: [{ as: 'sex', column: { column: 'SEX', dataset: 'DM' } }],
      joins: [],
      from: 'DM',
      offset: 0,
    };
    expect((await engine.run(same, study.resolve, { cacheKey: 'v1' })).cached).toBe(true);
    const other = { ...bySex, where: [filter('DM', 'AGE', 'gt', 40)] };
    expect((await engine.run(other, study.resolve, { cacheKey: 'v1' })).cached).toBe(false);
  });

  it('runs identical concurrent requests once', async () => {
    const engine = newEngine();
    const runs = await Promise.all(
      Array.from({ length: 5 }, () => engine.run(bySex, study.resolve, { cacheKey: 'v1' })),
    );
    expect(runs.filter((r) => !r.cached)).toHaveLength(1);
    for (const run of runs) expect(run.result).toBe(runs[0]?.result);
  });

  it('runs at most maxConcurrent queries at once, the rest queued; identical ones take no second turn', async () => {
    // Unfolded: folded, these four counts on DM would be one query (fold-specs.test.ts).
    const engine = newEngine({ maxConcurrent: 2, fold: false });
    const specs = [20, 30, 40, 50].map((age) => ({ ...bySex, where: [filter('DM', 'AGE', 'gt', age)] }));
    const runs = [...specs, specs[0] as QuerySpec].map((spec) => engine.run(spec, study.resolve, { cacheKey: 'v1' }));
    expect(engine.load).toEqual({ running: 2, waiting: 2 });
    const done = await Promise.all(runs);
    expect(done.map((r) => r.cached)).toEqual([false, false, false, false, true]);
    expect(done[4]?.result).toBe(done[0]?.result);
    expect(engine.load).toEqual({ running: 0, waiting: 0 });
  });

  it("gives the next turn to the earliest page's queries, not the earliest query", async () => {
    // One page asked for first (ticket 1) whose query reaches the queue after a later page's two.
    const finished = async (order: 'page' | 'arrival') => {
      const engine = newEngine({ maxConcurrent: 1, fold: false, order });
      const first = engine.ticket();
      const later = engine.ticket();
      const spec = (age: number) => ({ ...bySex, where: [filter('DM', 'AGE', 'gt', age)] });
      const { done, ask } = inTurn(engine, study.resolve);
      const rows = await Promise.all([
        ask('later a', spec(20), later),
        ask('later b', spec(30), later),
        ask('first', spec(40), first),
      ]);
      return { done, rows };
    };
    const byPage = await finished('page');
    const byArrival = await finished('arrival');
    expect(byPage.done).toEqual(['later a', 'first', 'later b']);
    expect(byArrival.done).toEqual(['later a', 'later b', 'first']);
    expect(byPage.rows).toEqual(byArrival.rows);
    expect(byPage.rows[2]).toEqual([
      ['F', 1],
      ['M', 2],
    ]);
  });

  it('forgets the least recently used result beyond its size', async () => {
    const engine = newEngine({ cacheEntries: 2 });
    const version = (v: string) => engine.run(bySex, study.resolve, { cacheKey: v });
    await version('a');
    await version('b');
    expect((await version('a')).cached).toBe(true);
    await version('c');
    expect((await version('a')).cached).toBe(true);
    expect((await version('b')).cached).toBe(false);
  });

  it('does not cache a failure', async () => {
    const engine = newEngine();
    const file = await study.write('later.parquet', 'SELECT 1 AS X');
    await unlink(file);
    const later: StoredDataset = { file, columns: [{ name: 'X', type: 'integer' }] };
    const spec: QuerySpec = { from: 'LATER', measures: [{ op: 'count', as: 'n' }] };
    await expect(engine.run(spec, () => later, { cacheKey: 'v1' })).rejects.toThrow(/later\.parquet/);
    await study.write('later.parquet', 'SELECT 1 AS X');
    const run = await engine.run(spec, () => later, { cacheKey: 'v1' });
    expect(run).toMatchObject({ cached: false, result: { rows: [[1]] } });
  });

  it('does not run or cache a spec it refuses', async () => {
    const engine = newEngine();
    const spec: QuerySpec = { from: 'DM', measures: [{ op: 'sum', column: ref('DM', 'ARM'), as: 's' }] };
    await expect(engine.run(spec, study.resolve, { cacheKey: 'v1' })).rejects.toBeInstanceOf(QueryError);
    await expect(engine.run(spec, study.resolve, { cacheKey: 'v1' })).rejects.toBeInstanceOf(QueryError);
  });
});

describe('compiled once', () => {
  /** DM and AE with their row counts known (as the server's are), so both are read through keyed copies. */
  const sized = () => {
    const known = new Map([...study.datasets].map(([name, d]) => [name, { ...d, rows: 10 }]));
    return (name: string) => known.get(name.toUpperCase());
  };
  const subjectsWithEvents: QuerySpec = {
    from: 'AE',
    joins: [{ dataset: 'DM', kind: 'left', on: [{ left: ref('AE', 'USUBJID'), right: 'USUBJID' }] }],
    where: [filter('DM', 'AGE', 'ge', 30)],
    groupBy: [{ column: ref('DM', 'ARM'), as: 'arm' }],
    measures: [{ op: 'count_distinct', column: ref('AE', 'USUBJID'), as: 'subjects' }],
    orderBy: [{ key: 'arm', dir: 'asc' }],
  };

  it('compiles a query read through keyed copies once, against the copies, and a cached answer not at all', async () => {
    const engine = newEngine();
    const plain = newEngine({ keyedCopies: false });
    const resolve = sized();
    const first = await engine.run(subjectsWithEvents, resolve, { cacheKey: 'v1' });
    expect(engine.keyedCopyReads).toEqual({ copies: 1, keyed: 1, filtered: 0, filteredFrom: 0 });
    expect(engine.compiles).toBe(1);
    expect(first.result).toEqual((await plain.run(subjectsWithEvents, resolve, { cacheKey: 'v1' })).result);
    expect(first.result.rows).toEqual([
      ['Drug', 2],
      ['Placebo', 2],
    ]);
    const again = await engine.run(subjectsWithEvents, resolve, { cacheKey: 'v1' });
    expect(again).toMatchObject({ cached: true, result: first.result });
    expect(engine.compiles).toBe(1);
  });

  it('compiles a folded query once, and its members not at all', async () => {
    const engine = newEngine();
    const resolve = sized();
    const count = (arm: string): QuerySpec => ({
      from: 'DM',
      where: [filter('DM', 'ARM', 'eq', arm)],
      measures: [{ op: 'count', as: 'n' }],
    });
    const [placebo, drug] = await Promise.all([
      engine.run(count('Placebo'), resolve, { cacheKey: 'v1' }),
      engine.run(count('Drug'), resolve, { cacheKey: 'v1' }),
    ]);
    expect([placebo.result.rows, drug.result.rows]).toEqual([[[2]], [[3]]]);
    expect(engine.queriesRun).toBe(1);
    expect(engine.compiles).toBe(1);
  });

  it('never serves one view of the data to a reader who sees it otherwise, and notes every read of PHI in clear', async () => {
    const engine = newEngine();
    const dm = study.datasets.get('DM') as StoredDataset;
    const masked: StoredDataset = {
      ...dm,
      columns: dm.columns.map((c) => (c.name === 'SEX' ? { ...c, masked: true } : c)),
    };
    const reads: unknown[] = [];
    const clear: StoredDataset = { ...dm, onRead: (columns) => reads.push(columns) };
    const hidden = await engine.run(bySex, () => masked, { cacheKey: 'v1' });
    expect(hidden.result.rows).toHaveLength(1);
    expect(hidden.result.rows[0]?.[1]).toBe(6);
    const shown = await engine.run(bySex, () => clear, { cacheKey: 'v1' });
    expect(shown.cached).toBe(false);
    expect(shown.result.rows).toEqual([
      ['F', 3],
      ['M', 3],
    ]);
    const noted = reads.length;
    expect(noted).toBeGreaterThan(0);
    // Answered from the cache, and still noted: the SQL is built for every such request.
    expect(await engine.run(bySex, () => clear, { cacheKey: 'v1' })).toMatchObject({ cached: true });
    expect(reads).toHaveLength(2 * noted);
    expect((await engine.run(bySex, () => masked, { cacheKey: 'v1' })).result).toEqual(hidden.result);
  });
});

describe('prepared statements', () => {
  const byArmOver = (age: number, arms: string[]): QuerySpec => ({
    from: 'DM',
    where: [filter('DM', 'AGE', 'gt', age), filter('DM', 'ARM', 'in', arms)],
    groupBy: [{ column: ref('DM', 'SEX'), as: 'sex' }],
    measures: [
      { op: 'count', as: 'n' },
      { op: 'mean', column: ref('DM', 'AGE'), as: 'mean_age' },
    ],
    orderBy: [{ key: 'sex', dir: 'asc' }],
  });
  /** The same question in plain SQL over the same file, by the test's own DuckDB. */
  const reference = (age: number, arms: string[]) =>
    study.rows(
      `SELECT SEX, count(*)::INTEGER, avg(AGE) FROM '${study.datasets.get('DM')?.file}'
       WHERE AGE > ${age} AND ARM IN (${arms.map((a) => `'${a}'`).join(', ')}) GROUP BY SEX ORDER BY SEX`,
    );

  it('run each shape from one statement per connection, with each call’s own values', async () => {
    const engine = newEngine({ maxConcurrent: 1, fold: false });
    const plain = newEngine({ maxConcurrent: 1, fold: false, prepared: false });
    // Whole and fractional ages (a parameter's type changes), one or two arms (another shape).
    const asks: Array<[number, string[]]> = [
      [20, ['Placebo', 'Drug']],
      [40, ['Placebo', 'Drug']],
      [33.5, ['Placebo', 'Drug']],
      [30, ['Drug']],
      [50, ['Drug']],
      [99, ['Placebo', 'Drug']],
    ];
    for (const [age, arms] of asks) {
      const kept = await engine.run(byArmOver(age, arms), study.resolve, { cacheKey: 'v1' });
      expect(kept.cached).toBe(false);
      const expected = await reference(age, arms);
      expect(kept.result.rows).toEqual(expected);
      expect((await plain.run(byArmOver(age, arms), study.resolve, { cacheKey: 'v1' })).result.rows).toEqual(expected);
    }
    expect(engine.statementsPrepared).toBe(2);
    expect(plain.statementsPrepared).toBe(0);
  });

  it('keep as many connections as run at once, so no statement is prepared twice', async () => {
    const engine = newEngine({ maxConcurrent: 12, fold: false });
    // Twelve shapes asked together (twelve connections at once), each twice with its own values.
    const shapes = (age: number) =>
      Array.from(
        { length: 12 },
        (_, i): QuerySpec => ({
          from: 'DM',
          where: [filter('DM', 'AGE', 'ge', age)],
          measures: Array.from({ length: i + 1 }, (_, k) => ({ op: 'count' as const, as: `n${k}` })),
        }),
      );
    for (const age of [30, 40]) {
      const runs = await Promise.all(shapes(age).map((spec) => engine.run(spec, study.resolve, { cacheKey: 'v1' })));
      const expected = (
        await study.rows(`SELECT count(*)::INTEGER FROM '${study.datasets.get('DM')?.file}' WHERE AGE >= ${age}`)
      )[0]?.[0];
      expect(expected).toBeGreaterThan(0);
      runs.forEach((run, i) => {
        expect(run.cached).toBe(false);
        expect(run.result.rows).toEqual([Array.from({ length: i + 1 }, () => expected)]);
      });
    }
    // Each shape prepared once: every connection was kept for the second round (main closed 4 of 12).
    expect(engine.statementsPrepared).toBe(12);
  });

  it('drop a statement that failed, and make it again when the data is back', async () => {
    const engine = newEngine({ maxConcurrent: 1, fold: false });
    const file = await study.write('again.parquet', 'SELECT 1 AS X UNION ALL SELECT 2');
    const again: StoredDataset = { file, columns: [{ name: 'X', type: 'integer' }] };
    const spec = (above: number): QuerySpec => ({
      from: 'AGAIN',
      where: [filter('AGAIN', 'X', 'gt', above)],
      measures: [{ op: 'count', as: 'n' }],
    });
    expect((await engine.run(spec(0), () => again, { cacheKey: 'a' })).result.rows).toEqual([[2]]);
    await unlink(file);
    await expect(engine.run(spec(1), () => again, { cacheKey: 'a' })).rejects.toThrow(/again\.parquet/);
    await study.write('again.parquet', 'SELECT 5 AS X');
    expect((await engine.run(spec(1), () => again, { cacheKey: 'a' })).result.rows).toEqual([[1]]);
    expect(engine.statementsPrepared).toBe(2);
  });
});

describe('time limit and concurrency', () => {
  /**
   * 300,000 rows with one key: joined to itself (through a second name for the same file, since a
   * dataset is read once per query) it makes 9 × 10¹⁰ pairs, far more than the time limit allows.
   */
  let slow: QuerySpec;
  let resolve: (name: string) => StoredDataset | undefined;

  beforeAll(async () => {
    const file = await study.write('big.parquet', 'SELECT 1 AS K, range AS V FROM range(300000)');
    const big: StoredDataset = {
      file,
      columns: [
        { name: 'K', type: 'integer' },
        { name: 'V', type: 'integer' },
      ],
    };
    resolve = (name) => (name === 'BIG' || name === 'BIG2' ? big : study.resolve(name));
    slow = {
      from: 'BIG',
      joins: [{ dataset: 'BIG2', kind: 'inner', on: [{ left: ref('BIG', 'K'), right: 'K' }] }],
      measures: [{ op: 'sum', column: ref('BIG2', 'V'), as: 'total' }],
    };
  });

  it('interrupts a query past the limit, and keeps working', async () => {
    const engine = newEngine({ timeoutMs: 300 });
    const started = performance.now();
    const error = await engine.run(slow, resolve, { cacheKey: 'v1' }).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(QueryTimeoutError);
    expect(error).toBeInstanceOf(QueryError);
    expect((error as Error).message).toMatch(/^the query ran longer than 0\.3 s/);
    expect(performance.now() - started).toBeLessThan(5_000);
    expect((await engine.run(bySex, resolve, { cacheKey: 'v1' })).result.rows).toHaveLength(2);
  });

  it('runs queries side by side: a quick one is not held up by a slow one', async () => {
    const engine = newEngine({ timeoutMs: 600 });
    const finished: string[] = [];
    const slowRun = engine.run(slow, resolve, { cacheKey: 'v1' }).then(
      () => finished.push('slow'),
      (error: unknown) => finished.push(error instanceof QueryTimeoutError ? 'slow timed out' : String(error)),
    );
    const quickRun = engine.run(bySex, resolve, { cacheKey: 'v1' }).then(({ result }) => {
      expect(result.rows).toHaveLength(2);
      finished.push('quick');
    });
    await Promise.all([slowRun, quickRun]);
    expect(finished).toEqual(['quick', 'slow timed out']);
  });

  it("by cost: a later page's quick query overtakes an earlier page's slow one, with the same answers", async () => {
    // Counting 300,000 distinct values takes far longer than counting six subjects by sex.
    const heavy = (above: number): QuerySpec => ({
      from: 'BIG',
      where: [filter('BIG', 'V', 'gt', above)],
      measures: [{ op: 'count_distinct', column: ref('BIG', 'V'), as: 'n' }],
    });
    const quick = (age: number): QuerySpec => ({ ...bySex, where: [filter('DM', 'AGE', 'gt', age)] });
    const finished = async (order: 'cost' | 'page') => {
      const engine = newEngine({ maxConcurrent: 1, fold: false, order, uniqueCounts: false });
      // Each shape run once, so the engine knows what it costs.
      await engine.run(heavy(0), resolve, { cacheKey: 'v1' });
      await engine.run(quick(10), resolve, { cacheKey: 'v1' });
      const { done, ask } = inTurn(engine, resolve);
      const busy = ask('busy', quick(20), engine.ticket());
      const first = engine.ticket();
      const later = engine.ticket();
      const rows = await Promise.all([
        busy,
        ask('slow, first page', heavy(1), first),
        ask('quick, later page', quick(30), later),
      ]);
      return { done, rows };
    };
    const byCost = await finished('cost');
    const byPage = await finished('page');
    expect(byCost.done).toEqual(['busy', 'quick, later page', 'slow, first page']);
    expect(byPage.done).toEqual(['busy', 'slow, first page', 'quick, later page']);
    expect(byCost.rows).toEqual(byPage.rows);
    expect(byCost.rows[1]).toEqual([[299_998]]);
  });

  it('close stops a running query', async () => {
    const engine = newEngine({ timeoutMs: 60_000 });
    const running = engine.run(slow, resolve, { cacheKey: 'v1' });
    await new Promise((resolve) => setTimeout(resolve, 100));
    // close waits until the query has stopped, so the rejection is watched for before it.
    const stopped = expect(running).rejects.toThrow(/closed/);
    await engine.close();
    await stopped;
  });

  it('close before a query has its connection fails it as closed', async () => {
    const engine = newEngine();
    const running = engine.run(bySex, study.resolve, { cacheKey: 'v-closing' });
    // Watched from the start: close waits for the connection being opened, so the run fails first.
    const outcome = expect(running).rejects.toThrow(/closed/);
    await engine.close();
    await outcome;
  });

  it('fails runs after close', async () => {
    const engine = newEngine();
    await engine.run(bySex, study.resolve, { cacheKey: 'v1' });
    await engine.close();
    await expect(engine.run(bySex, study.resolve, { cacheKey: 'v2' })).rejects.toThrow(/closed/);
  });
});
