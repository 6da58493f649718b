import type { QueryFilter, QuerySpec } from '@cdp/contracts';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { StoredDataset } from '../dataset-store.ts';
import { parseQuerySpec } from './compile-query.ts';
import { foldable, foldSpecs, frameOf } from './fold-specs.ts';
import { QueryEngine, type QueryEngineOptions } from './query-engine.ts';
import { filter, makeStudy, ref, type TestStudy } from './test-support.ts';
import type { WorkLimiter } from './work-limiter.ts';

let study: TestStudy;
const engines: QueryEngine[] = [];
// Partials (subject-partials.ts) would answer these tests' ranged counts without folding: off, as
// the folding under test is what answers a spec partials cannot (subject-partials.test.ts tests them).
const engine = (fold: boolean, options: QueryEngineOptions = {}) => {
  const made = new QueryEngine({ threads: 1, fold, partials: false, ...options });
  engines.push(made);
  return made;
};
/** A folding engine with one query turn, so that queries wait for it as on a busy server. */
const queued = () => engine(true, { maxConcurrent: 1 });

beforeAll(async () => {
  study = await makeStudy();
});
afterAll(async () => {
  for (const e of engines) await e.close();
  await study.remove();
});

const subjects = { op: 'count_distinct', column: ref('DM', 'USUBJID'), as: 'subjects' } as const;
const byMonth = { column: ref('DM', 'RFSTDTC'), as: 'month', bucket: 'month' } as const;

/** Specs of the shapes the KPI widgets ask for on one dataset, with and without their own filters. */
const DM_SPECS: QuerySpec[] = [
  { from: 'DM', measures: [subjects] },
  { from: 'DM', where: [filter('DM', 'ARM', 'in', ['Drug'])], measures: [subjects] },
  {
    from: 'DM',
    where: [filter('DM', 'AGE', 'ge', 30)],
    measures: [subjects, { op: 'count', as: 'f', where: [filter('DM', 'SEX', 'eq', 'F')] }],
  },
  {
    from: 'DM',
    where: [filter('DM', 'ARM', 'eq', 'Nothing')],
    measures: [subjects, { op: 'mean', column: ref('DM', 'AGE'), as: 'age' }],
  },
  // Grouped: a month only the unfiltered spec has rows in must not appear in the filtered one's answer.
  { from: 'DM', groupBy: [byMonth], measures: [subjects] },
  { from: 'DM', where: [filter('DM', 'ARM', 'in', ['Placebo'])], groupBy: [byMonth], measures: [subjects] },
  {
    from: 'DM',
    where: [filter('DM', 'SEX', 'eq', 'M')],
    groupBy: [byMonth],
    measures: [subjects, { op: 'max', column: ref('DM', 'AGE'), as: 'oldest' }],
  },
  // Under a subject semi-join, as a dashboard filter on another dataset applies.
  {
    from: 'AE',
    exists: [
      { dataset: 'DM', on: [{ left: ref('AE', 'USUBJID'), right: 'USUBJID' }], where: [filter('DM', 'AGE', 'lt', 60)] },
    ],
    measures: [
      { op: 'count', as: 'events' },
      { op: 'count_distinct', column: ref('AE', 'USUBJID'), as: 'subjects' },
    ],
  },
  {
    from: 'AE',
    exists: [
      { dataset: 'DM', on: [{ left: ref('AE', 'USUBJID'), right: 'USUBJID' }], where: [filter('DM', 'AGE', 'lt', 60)] },
    ],
    where: [filter('AE', 'AESER', 'in', ['Y'])],
    measures: [
      { op: 'count', as: 'events' },
      { op: 'count_distinct', column: ref('AE', 'USUBJID'), as: 'subjects' },
    ],
  },
];

describe('folding aggregates of the same rows into one query', () => {
  it('answers each spec exactly as its own query does, with fewer queries', async () => {
    const folded = engine(true);
    const alone = engine(false);
    const together = await Promise.all(DM_SPECS.map((s) => folded.run(s, study.resolve, { cacheKey: 'v1' })));
    const separate = await Promise.all(DM_SPECS.map((s) => alone.run(s, study.resolve, { cacheKey: 'v1' })));
    for (const [i, run] of together.entries()) expect(run.result, `spec ${i}`).toEqual(separate[i]?.result);
    expect(alone.queriesRun).toBe(DM_SPECS.length);
    // Three frames: DM ungrouped, DM by month, AE under the semi-join.
    expect(folded.queriesRun).toBe(3);
    // And the reference, in plain SQL: subjects per start month among the men.
    const men = await study.rows(
      `SELECT CAST(date_trunc('month', try_cast(left(RFSTDTC, 10) AS DATE)) AS DATE)::VARCHAR AS m, count(DISTINCT USUBJID), max(AGE)
       FROM read_parquet('${study.datasets.get('DM')?.file}') WHERE SEX = 'M' GROUP BY 1 ORDER BY 1 NULLS LAST`,
    );
    expect(together[6]?.result.rows).toEqual(men.map(([m, n, age]) => [m, Number(n), age]));
    const serious = await study.rows(
      `SELECT count(*), count(DISTINCT a.USUBJID) FROM read_parquet('${study.datasets.get('AE')?.file}') a
       JOIN read_parquet('${study.datasets.get('DM')?.file}') d USING (USUBJID) WHERE d.AGE < 60 AND a.AESER = 'Y'`,
    );
    expect(together[8]?.result.rows).toEqual(serious.map((r) => r.map(Number)));
  });

  it('leaves alone what cannot be folded: listings, top N, limits, Tukey, an order by a measure', () => {
    const parsed = (spec: QuerySpec) => parseQuerySpec(spec);
    expect(foldable(parsed({ from: 'DM', select: [{ column: ref('DM', 'USUBJID'), as: 'id' }] }))).toBe(false);
    expect(foldable(parsed({ from: 'DM', measures: [subjects], limit: 5 }))).toBe(false);
    expect(
      foldable(parsed({ from: 'DM', groupBy: [byMonth], measures: [subjects], orderBy: [{ key: 'subjects' }] })),
    ).toBe(false);
    expect(foldable(parsed({ from: 'DM', measures: [{ op: 'outliers', column: ref('DM', 'AGE'), as: 'o' }] }))).toBe(
      false,
    );
    expect(
      foldable(
        parsed({
          from: 'DM',
          groupBy: [{ column: ref('DM', 'ARM'), as: 'arm' }],
          measures: [subjects],
          topN: { key: 'arm', by: 'subjects', n: 1 },
        }),
      ),
    ).toBe(false);
    expect(
      foldable(
        parsed({ from: 'DM', groupBy: [byMonth], measures: [subjects], orderBy: [{ key: 'month', dir: 'desc' }] }),
      ),
    ).toBe(true);
  });

  it('keeps the filters every spec has in WHERE and moves the others into each measure', () => {
    const [a, b] = [DM_SPECS[2], DM_SPECS[3]].map((s) =>
      parseQuerySpec({
        ...(s as QuerySpec),
        where: [filter('DM', 'SITEID', 'eq', '101'), ...((s as QuerySpec).where ?? [])],
      }),
    );
    if (!a || !b) throw new Error('specs');
    expect(frameOf(a)).toBe(frameOf(b));
    const plan = foldSpecs([a, b]);
    expect(plan?.spec.where).toEqual([filter('DM', 'SITEID', 'eq', '101')]);
    expect(plan?.spec.measures.map((m) => [m.as, m.where.length])).toEqual([
      ['f0_subjects', 1],
      ['f0_f', 2],
      ['f1_subjects', 1],
      ['f1_age', 1],
    ]);
    // Specs reading other rows have other frames.
    const grouped = parseQuerySpec(DM_SPECS[4] as QuerySpec);
    expect(frameOf(grouped)).not.toBe(frameOf(a));
  });

  it('never folds the specs of two readers who see a dataset differently (masked columns)', async () => {
    const folded = engine(true);
    const dm = study.datasets.get('DM') as StoredDataset;
    const masked: StoredDataset = {
      ...dm,
      columns: dm.columns.map((c) => (c.name === 'RFSTDTC' ? { ...c, masked: true } : c)),
    };
    const maskedResolve = (name: string) => (name.toUpperCase() === 'DM' ? masked : study.resolve(name));
    const spec = DM_SPECS[1] as QuerySpec;
    const before = folded.queriesRun;
    const [clear, hidden] = await Promise.all([
      folded.run(DM_SPECS[0] as QuerySpec, study.resolve, { cacheKey: 'v2' }),
      folded.run(spec, maskedResolve, { cacheKey: 'v2' }),
    ]);
    expect(folded.queriesRun - before).toBe(2);
    expect(clear.result.rows).toEqual([[6]]);
    expect(hidden.result.rows).toEqual([[3]]);
  });
});

/**
 * Takes the engine's only query turn until the returned function is called: what a busy server's
 * queue looks like, every page's queries waiting side by side.
 */
function holdTheOnlyTurn(busy: QueryEngine): () => void {
  let release = () => {};
  const held = new Promise<void>((resolve) => {
    release = resolve;
  });
  // The limiter is the engine's own; a test reaches it to stand in for other pages' running queries.
  void (busy as unknown as { limiter: WorkLimiter }).limiter.run(() => held, 0);
  return release;
}

/**
 * Asks `spec` once (with a filter no page uses) and waits: a first count of distinct subjects waits
 * for the engine's once-per-file check of the column, which would gather every page's specs into one
 * turn of the event loop; after it each page's specs reach the queue in their own turn.
 */
async function settle(
  on: QueryEngine,
  spec: QuerySpec,
  resolve: (name: string) => StoredDataset | undefined,
  cacheKey: string,
) {
  await on.run({ ...spec, where: [filter('DM', 'AGE', 'gt', 1000)] }, resolve, { cacheKey });
}

/** The next turn of the event loop: specs asked for in another turn are another page's request. */
const nextTurn = () => new Promise<void>((resolve) => setImmediate(resolve));

/** Each page's filters: ranges, sets with and without missing values, missing and present values. */
const PAGE_FILTERS: QueryFilter[][] = [
  [],
  [filter('DM', 'AGE', 'ge', 30), filter('DM', 'AGE', 'le', 50)],
  [filter('DM', 'AGE', 'ge', 40), filter('DM', 'AGE', 'le', 70)],
  [filter('DM', 'ARM', 'in', ['Drug'])],
  [filter('DM', 'ARM', 'nin', ['Placebo'])],
  [filter('DM', 'ARM', 'nin', ['Placebo', null])],
  [filter('DM', 'SEX', 'eq', 'F')],
  [filter('DM', 'SEX', 'ne', 'F'), filter('DM', 'AGE', 'gt', 30)],
  [filter('DM', 'AGE', 'null')],
  [filter('DM', 'RFSTDT', 'notnull')],
  [filter('DM', 'RFSTDT', 'between', ['2024-01-09', null])],
  [filter('DM', 'SITEID', 'in', ['101', '103'])],
  [filter('DM', 'AGE', 'lt', 0)],
  [filter('DM', 'NVIS', 'ge', 4)],
  [filter('DM', 'AGE', 'ge', 18), filter('DM', 'SEX', 'eq', 'M')],
  [filter('DM', 'ARM', 'eq', 'Drug'), filter('DM', 'AGE', 'lt', 60)],
  [filter('DM', 'RFSTDTC', 'starts', '2024-01')],
  [filter('DM', 'AGE', 'between', [29, 45])],
  [filter('DM', 'ARM', 'null')],
  [filter('DM', 'AGE', 'ge', 60)],
];

/** The widget shapes a page asks for, under the page's filters: three frames. */
function pageSpecs(where: QueryFilter[]): QuerySpec[] {
  return [
    // Subjects by arm (grouped: an arm only other pages have rows in stays out of this one's answer).
    {
      from: 'DM',
      where,
      groupBy: [{ column: ref('DM', 'ARM'), as: 'arm' }],
      measures: [subjects],
      orderBy: [{ key: 'arm', dir: 'asc' }],
    },
    // Key figures: three measures, one with a filter of its own, one a mean.
    {
      from: 'DM',
      where,
      measures: [
        subjects,
        { op: 'count', as: 'women', where: [filter('DM', 'SEX', 'eq', 'F')] },
        { op: 'mean', column: ref('DM', 'AGE'), as: 'age' },
      ],
    },
    // Events by body system, joined to DM for the page's filters.
    {
      from: 'AE',
      joins: [{ dataset: 'DM', kind: 'left', on: [{ left: ref('AE', 'USUBJID'), right: 'USUBJID' }] }],
      where,
      groupBy: [{ column: ref('AE', 'AEBODSYS'), as: 'system' }],
      measures: [
        { op: 'count', as: 'events' },
        { op: 'count_distinct', column: ref('AE', 'USUBJID'), as: 'subjects' },
      ],
      orderBy: [{ key: 'system', dir: 'asc' }],
    },
  ];
}

describe('folding the queued queries of many pages', () => {
  it('answers every waiting page of a frame with one query, each exactly as its query alone', async () => {
    const queue = queued();
    const alone = engine(false);
    const release = holdTheOnlyTurn(queue);
    const asked: Promise<unknown>[] = [];
    // Each page in a turn of its own, with its own ticket, as 20 users' requests arrive.
    for (const where of PAGE_FILTERS) {
      const ticket = queue.ticket();
      for (const spec of pageSpecs(where)) asked.push(queue.run(spec, study.resolve, { cacheKey: 'v1', ticket }));
      await nextTurn();
      await nextTurn();
    }
    expect(queue.queriesRun).toBe(0);
    release();
    const folded = (await Promise.all(asked)) as Awaited<ReturnType<QueryEngine['run']>>[];
    const specs = PAGE_FILTERS.flatMap(pageSpecs);
    const separate = await Promise.all(specs.map((spec) => alone.run(spec, study.resolve, { cacheKey: 'v1' })));
    for (const [i, run] of folded.entries()) {
      expect(run.cached, `spec ${i}`).toBe(false);
      expect(run.result, `spec ${i}`).toEqual(separate[i]?.result);
    }
    expect(alone.queriesRun).toBe(60);
    // By arm: 20 × 2 measures (its own and its row count), one query; key figures: 20 × 3 measures,
    // two queries within the contract's 50; events: 20 × 3, two.
    expect(queue.queriesRun).toBe(5);
    expect(queue.load).toEqual({ running: 0, waiting: 0 });
    // A reference in plain SQL for one page: arms among subjects with no recorded ARM 'Placebo'
    // (S06's missing arm counts as not Placebo for `nin`, as the compiler's null handling says).
    const dm = study.datasets.get('DM')?.file;
    const events = await study.rows(
      `SELECT a.AEBODSYS, count(*), count(DISTINCT a.USUBJID) FROM read_parquet('${study.datasets.get('AE')?.file}') a
       LEFT JOIN read_parquet('${dm}') d USING (USUBJID) WHERE d.AGE >= 30 AND d.AGE <= 50 GROUP BY 1 ORDER BY 1`,
    );
    expect(folded[1 * 3 + 2]?.result.rows).toEqual(events.map(([s, n, k]) => [s, Number(n), Number(k)]));
  });

  it('gives each page its own answer when two pages ask the same spec in one queue', async () => {
    const queue = queued();
    const spec = pageSpecs([filter('DM', 'SEX', 'eq', 'F')])[0] as QuerySpec;
    const other = pageSpecs([filter('DM', 'SEX', 'eq', 'M')])[0] as QuerySpec;
    await settle(queue, spec, study.resolve, 'v1');
    const before = queue.queriesRun;
    const release = holdTheOnlyTurn(queue);
    const first = queue.run(spec, study.resolve, { cacheKey: 'v1', ticket: queue.ticket() });
    await nextTurn();
    const second = queue.run(other, study.resolve, { cacheKey: 'v1', ticket: queue.ticket() });
    await nextTurn();
    const again = queue.run(spec, study.resolve, { cacheKey: 'v1', ticket: queue.ticket() });
    release();
    const [a, b, c] = await Promise.all([first, second, again]);
    expect(queue.queriesRun - before).toBe(1);
    expect(a?.result.rows).toEqual([
      ['Drug', 2],
      ['Placebo', 1],
    ]);
    expect(b?.result.rows).toEqual([
      ['Drug', 1],
      ['Placebo', 1],
      [null, 1],
    ]);
    expect(c).toMatchObject({ cached: true, result: a?.result });
  });

  it('folds only what one turn asked for without foldQueued, with the same answers', async () => {
    const answers = async (foldQueued: boolean) => {
      const queue = engine(true, { maxConcurrent: 1, foldQueued });
      const specs = [20, 40, 50].map((age) => pageSpecs([filter('DM', 'AGE', 'ge', age)])[0] as QuerySpec);
      await settle(queue, specs[0] as QuerySpec, study.resolve, 'v1');
      const before = queue.queriesRun;
      const release = holdTheOnlyTurn(queue);
      const runs: ReturnType<QueryEngine['run']>[] = [];
      for (const spec of specs) {
        runs.push(queue.run(spec, study.resolve, { cacheKey: 'v1', ticket: queue.ticket() }));
        await nextTurn();
      }
      release();
      const rows = (await Promise.all(runs)).map((run) => run.result.rows);
      return { rows, queries: queue.queriesRun - before };
    };
    const queued = await answers(true);
    const apart = await answers(false);
    expect([queued.queries, apart.queries]).toEqual([1, 3]);
    expect(queued.rows).toEqual(apart.rows);
    expect(queued.rows[2]).toEqual([['Drug', 2]]);
  });

  it('never folds readers who see the data otherwise: masked columns, PHI in clear, another organization', async () => {
    const queue = queued();
    const dm = study.datasets.get('DM') as StoredDataset;
    const masked: StoredDataset = {
      ...dm,
      columns: dm.columns.map((c) => (c.name === 'ARM' ? { ...c, masked: true } : c)),
    };
    // Asked with other ages than the plain reader's: the same spec on the same view would share its run.
    const reads: unknown[] = [];
    const clear: StoredDataset = { ...dm, onRead: (columns) => reads.push(columns) };
    // Another organization's study: its own files (only the women), its own data version.
    const otherDm: StoredDataset = {
      ...dm,
      file: await study.write('other-org-dm.parquet', `SELECT * FROM read_parquet('${dm.file}') WHERE SEX = 'F'`),
    };
    const only = (dataset: StoredDataset) => (name: string) => (name.toUpperCase() === 'DM' ? dataset : undefined);
    const byArm = (age: number) => pageSpecs([filter('DM', 'AGE', 'ge', age)])[0] as QuerySpec;
    await settle(queue, byArm(0), study.resolve, 'v1');
    await settle(queue, byArm(0), only(masked), 'v1');
    await settle(queue, byArm(0), only(otherDm), 'v2');
    const before = queue.queriesRun;
    const release = holdTheOnlyTurn(queue);
    const runs: ReturnType<QueryEngine['run']>[] = [];
    const ask = async (spec: QuerySpec, resolve: (name: string) => StoredDataset | undefined, cacheKey: string) => {
      runs.push(queue.run(spec, resolve, { cacheKey, ticket: queue.ticket() }));
      await nextTurn();
      await nextTurn();
    };
    for (const asking of [
      () => ask(byArm(20), study.resolve, 'v1'),
      () => ask(byArm(20), only(masked), 'v1'),
      () => ask(byArm(25), only(clear), 'v1'),
      () => ask(byArm(20), only(otherDm), 'v2'),
      () => ask(byArm(40), study.resolve, 'v1'),
      () => ask(byArm(40), only(masked), 'v1'),
      () => ask(byArm(45), only(clear), 'v1'),
      () => ask(byArm(40), only(otherDm), 'v2'),
    ])
      await asking();
    release();
    const [plain20, masked20, clear25, other20, plain40, masked40, clear45, other40] = (await Promise.all(runs)).map(
      (run) => run.result.rows,
    );
    // Plain readers folded, masked readers folded, the other organization folded; each PHI-in-clear
    // read alone (its SQL is built per request, which notes the read): 3 + 2.
    expect(queue.queriesRun - before).toBe(5);
    // Each of the two requests noted its read of ARM in clear.
    expect(reads.filter((columns) => JSON.stringify(columns).includes('ARM'))).toHaveLength(2);
    expect(plain20).toEqual([
      ['Drug', 3],
      ['Placebo', 2],
    ]);
    expect(clear25).toEqual(plain20);
    expect(plain40).toEqual([
      ['Drug', 2],
      ['Placebo', 1],
    ]);
    expect(clear45).toEqual(plain40);
    // The masked arm reads as one masked value, never as the clear arms.
    expect(masked20).toHaveLength(1);
    expect(masked20?.[0]?.[1]).toBe(5);
    expect(masked40?.[0]?.[1]).toBe(3);
    expect(masked40?.[0]?.[0]).not.toBe('Drug');
    expect(other20).toEqual([
      ['Drug', 2],
      ['Placebo', 1],
    ]);
    expect(other40).toEqual([['Drug', 1]]);
  });
});

describe('a ticket window for fold turns', () => {
  /**
   * Five pages, each in its own turn of the event loop with its own ticket, each asking one
   * foldable spec (subjects by arm under its age range) and one that never folds (a limit), while
   * the only query turn is held; then the turn is released. Gives the answers, the queries run, and
   * the order in which the answers arrived, as page numbers.
   */
  const fivePages = async (options: QueryEngineOptions) => {
    const queue = engine(true, { maxConcurrent: 1, ...options });
    const byArm = (age: number) => pageSpecs([filter('DM', 'AGE', 'ge', age)])[0] as QuerySpec;
    const listed = (age: number): QuerySpec => ({
      from: 'DM',
      where: [filter('DM', 'AGE', 'ge', age)],
      measures: [subjects],
      limit: 5,
    });
    await settle(queue, byArm(0), study.resolve, 'v1');
    await queue.run(listed(1000), study.resolve, { cacheKey: 'v1' });
    const before = queue.queriesRun;
    const release = holdTheOnlyTurn(queue);
    const arrived: number[] = [];
    const runs: Promise<unknown[][]>[] = [];
    for (const [page, age] of [20, 25, 30, 35, 40].entries()) {
      const ticket = queue.ticket();
      for (const spec of [byArm(age), listed(age)]) {
        runs.push(
          queue.run(spec, study.resolve, { cacheKey: 'v1', ticket }).then((run) => {
            arrived.push(page);
            return run.result.rows as unknown[][];
          }),
        );
      }
      await nextTurn();
      await nextTurn();
    }
    release();
    const rows = await Promise.all(runs);
    return { rows, queries: queue.queriesRun - before, arrived };
  };

  it('answers pages in turn with window 0: each page complete before the next, one fold per page', async () => {
    const windowed = await fivePages({ foldWindow: 0 });
    const whole = await fivePages({});
    // Every answer as without the window (itself equal to unfolded answers above).
    expect(windowed.rows).toEqual(whole.rows);
    expect(windowed.rows[0]).toEqual([
      ['Drug', 3],
      ['Placebo', 2],
    ]);
    // Window 0: a fold per page, and every answer of a page before any of the next page's.
    expect(windowed.queries).toBe(5 + 5);
    expect(windowed.arrived).toEqual([0, 0, 1, 1, 2, 2, 3, 3, 4, 4]);
    // No window: the first page's fold turn (its limited query went first) answers all five pages'
    // folded specs at once, ahead of the second page's limited query: the first page's last answer
    // waited for four later pages' shares.
    expect(whole.queries).toBe(1 + 5);
    expect(whole.arrived.slice(0, 6)).toEqual([0, 0, 1, 2, 3, 4]);
  });

  it('folds the pages being served with at most `foldWindow` later ones', async () => {
    const windowed = await fivePages({ foldWindow: 1 });
    const whole = await fivePages({});
    expect(windowed.rows).toEqual(whole.rows);
    // Pages in twos: the first page's turn takes pages 0 and 1, the second page's turn finds its
    // page answered and takes nothing, the third's takes pages 2 and 3, the fifth's page 4.
    expect(windowed.queries).toBe(3 + 5);
    expect(windowed.arrived).toEqual([0, 0, 1, 1, 2, 2, 3, 3, 4, 4]);
  });

  it('takes every waiting spec in arrival order, whatever the window (no tickets to window by)', async () => {
    const arrival = await fivePages({ foldWindow: 0, order: 'arrival' });
    expect(arrival.queries).toBe(1 + 5);
  });
});
