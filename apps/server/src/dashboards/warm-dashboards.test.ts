import { Writable } from 'node:stream';
import { QueryEngine } from '@cdp/analytics';
import type { DashboardPageData, DashboardWidgetData } from '@cdp/contracts';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startTestApp } from '../../test/harness.ts';
import { type OverviewStudy, overviewStudy, subjectsIn } from '../../test/overview-study.ts';
import { createLogger } from '../lib/logger.ts';
import { loadGeneratedVersion } from '../seed/load-demo-data.ts';
import { ACTIVATION_CHANNEL, ActivationWarmUp } from './activation-warm-up.ts';
import { warmDashboards, warmPage } from './warm-dashboards.ts';

/*
 * The warm-up after a server start (`DASHBOARD_WARM_AT_START`): each recent dashboard's first page
 * asked once, when the engine is idle, as a masked reader. A user's page afterwards costs the
 * engine no query; the answers are the route's; the version warmed is the one active when it runs;
 * nothing is read in clear. And after an activation (`DASHBOARD_WARM_ON_ACTIVATION`): the study's
 * dashboards on the version just activated, announced by a NOTIFY at commit.
 */

let study: OverviewStudy;
let engine: QueryEngine;

beforeAll(async () => {
  study = await overviewStudy();
  engine = new QueryEngine({ threads: 1 });
});
afterAll(async () => {
  await engine.close();
  await study.t.close();
});

type Widget = DashboardPageData['data']['widgets'][number];

/** `meta.cached` and `meta.ms` say how one answer was made; everything else must be equal. */
function comparable(widget: Widget | DashboardWidgetData) {
  if (!('data' in widget)) return widget;
  const { cached: _cached, ms: _ms, ...meta } = widget.data.meta;
  return { ...widget, data: { ...widget.data, meta } };
}

const byId = (widgets: (Widget | DashboardWidgetData)[]) =>
  [...widgets].sort((a, b) => a.id.localeCompare(b.id)).map(comparable);

/** The monitor's page as the route answers it (its own engine, not the one warmed here). */
async function routePage() {
  const res = await study.t.request(study.monitor, {
    method: 'GET',
    url: `/api/studies/${study.studyId}/dashboards/${study.dashboard.id}/data`,
  });
  expect(res.statusCode, res.body).toBe(200);
  return (res.json() as DashboardPageData).data;
}

const target = () => ({ orgId: study.orgId, studyId: study.studyId, dashboardId: study.dashboard.id });

async function phiReads(): Promise<number> {
  const { rows } = await study.t.admin.query('select count(*)::int as n from phi_access_log where org_id = $1', [
    study.orgId,
  ]);
  return Number(rows[0]?.n);
}

describe('dashboards warmed after a start', () => {
  it("asks the recent dashboards' first pages, after which the same page costs no query and equals the route's", async () => {
    await study.classifyPhi('DM', 'RACE');
    const readsBefore = await phiReads();
    // Other files' dashboards in this worker's database may be listed too; this study's is the newest.
    expect(await warmDashboards(study.t.ctx, engine, () => false)).toBeGreaterThanOrEqual(1);
    const ran = engine.queriesRun;
    expect(ran).toBeGreaterThan(0);
    expect(engine.baseTables.tables + engine.keyedCopyReads.copies).toBeGreaterThan(0);

    const again = await warmPage(study.t.ctx, engine, target());
    if (!again) throw new Error('the dashboard was not found');
    const answers = await Promise.all(again.answers);
    expect(engine.queriesRun).toBe(ran);
    for (const answer of answers) expect('data' in answer && answer.data.meta.cached, answer.id).toBe(true);
    const route = await routePage();
    expect(byId(answers)).toEqual(byId(route.widgets));
    const total = answers.find((a) => a.id === 'total-screened');
    expect(total && 'data' in total ? total.data.metric?.value : null).toBe(
      await subjectsIn(study.versions[0]?.dm ?? ''),
    );
    // Read as a masked reader: no read in clear, so nothing in the PHI access log.
    expect(await phiReads()).toBe(readsBefore);
  });

  it('warms the version active when it runs: after an activation, the new data', async () => {
    const next = await study.load({ subjects: 45, seed: 9 });
    await study.activate(next.id, 'newer cut');
    const page = await warmPage(study.t.ctx, engine, target());
    if (!page) throw new Error('the dashboard was not found');
    expect(page.head.dataVersionId).toBe(next.id);
    const answers = await Promise.all(page.answers);
    const total = answers.find((a) => a.id === 'total-screened');
    expect(total && 'data' in total ? total.data.metric?.value : null).toBe(await subjectsIn(next.dm));
    expect(await subjectsIn(next.dm)).not.toBe(await subjectsIn(study.versions[0]?.dm ?? ''));
    const route = await routePage();
    expect(route.dataVersionId).toBe(next.id);
    expect(byId(answers)).toEqual(byId(route.widgets));
  });

  it("warms the study's dashboards once an activation commits: the new version's page then costs no query", async () => {
    const fresh = new QueryEngine({ threads: 1 });
    const warmed: Array<{ studyId: string; pages: number }> = [];
    const activations = new ActivationWarmUp(study.t.ctx, fresh, (w) => warmed.push(w));
    try {
      activations.listen();
      // Until the LISTEN connection is up: announce a study that does not exist (nothing to warm).
      while (activations.heard === 0) {
        await study.t.admin.query('select pg_notify($1, $2)', [
          ACTIVATION_CHANNEL,
          `${study.orgId}/00000000-0000-4000-8000-000000000000`,
        ]);
        await new Promise((resolve) => setTimeout(resolve, 100));
      }
      await activations.settled();
      expect(fresh.queriesRun).toBe(0);
      // Roll back to the first version (the test above activated the second) through the route.
      const first = study.versions[0];
      if (!first) throw new Error('no first version');
      await study.activate(first.id, 'back to the first cut');
      const until = performance.now() + 60_000;
      while (!warmed.some((w) => w.studyId === study.studyId) && performance.now() < until)
        await new Promise((resolve) => setTimeout(resolve, 50));
      await activations.settled();
      expect(warmed.find((w) => w.studyId === study.studyId)?.pages).toBe(1);
      const ran = fresh.queriesRun;
      expect(ran).toBeGreaterThan(0);
      // The page a user asks now: from the warmed engine, no query, the first version's numbers.
      const page = await warmPage(study.t.ctx, fresh, target());
      if (!page) throw new Error('the dashboard was not found');
      expect(page.head.dataVersionId).toBe(first.id);
      const answers = await Promise.all(page.answers);
      expect(fresh.queriesRun).toBe(ran);
      const total = answers.find((a) => a.id === 'total-screened');
      expect(total && 'data' in total ? total.data.metric?.value : null).toBe(await subjectsIn(first.dm));
      expect(byId(answers)).toEqual(byId((await routePage()).widgets));
    } finally {
      await activations.stop();
      await fresh.close();
    }
  });

  it("announces a study's first version, which goes live with its row, at commit", async () => {
    const heard: string[] = [];
    const activations = new ActivationWarmUp(study.t.ctx, engine);
    activations.announced = (payload) => heard.push(payload);
    try {
      activations.listen();
      const probe = `${study.orgId}/00000000-0000-4000-8000-000000000000`;
      while (!heard.includes(probe)) {
        await study.t.admin.query('select pg_notify($1, $2)', [ACTIVATION_CHANNEL, probe]);
        await new Promise((resolve) => setTimeout(resolve, 100));
      }
      const other = await study.t.tenant();
      await loadGeneratedVersion(
        study.t.ctx,
        { id: other.study.id, orgId: other.org.id },
        { subjects: 12, sites: 2, seed: 3 },
      );
      const expected = `${other.org.id}/${other.study.id}`;
      const until = performance.now() + 20_000;
      while (!heard.includes(expected) && performance.now() < until)
        await new Promise((resolve) => setTimeout(resolve, 50));
      expect(heard).toContain(expected);
    } finally {
      await activations.stop();
    }
  });

  it("waits for an idle engine before a page: nothing runs while a user's query holds the engine", async () => {
    const busy = new QueryEngine({ threads: 1, maxConcurrent: 1 });
    try {
      let release = () => {};
      const held = new Promise<void>((resolve) => {
        release = resolve;
      });
      // The engine's own limiter, reached as a test stands in for a user's running query.
      type Held = { limiter: { run(task: () => Promise<void>, rank: number): Promise<void> } };
      void (busy as unknown as Held).limiter.run(() => held, 0);
      const warming = warmDashboards(study.t.ctx, busy, () => false);
      await new Promise((resolve) => setTimeout(resolve, 500));
      // Only the held turn: the warm-up has not even queued a query (nor a check of a column).
      expect(busy.load).toEqual({ running: 1, waiting: 0 });
      expect(busy.queriesRun).toBe(0);
      release();
      expect(await warming).toBeGreaterThanOrEqual(1);
      expect(busy.queriesRun).toBeGreaterThan(0);
    } finally {
      await busy.close();
    }
  });

  it('stops when told to, warming nothing', async () => {
    const before = engine.queriesRun;
    expect(await warmDashboards(study.t.ctx, engine, () => true)).toBe(0);
    expect(engine.queriesRun).toBe(before);
  });

  it('runs once the server listens (never before, so readiness does not wait), behind the switch', async () => {
    /** Starts an app, listens, and waits up to `waitMs` for its "dashboards warmed" line: the line and the time it took. */
    const started = async (warm: boolean, waitMs: number) => {
      const logged: string[] = [];
      const sink = new Writable({
        write(chunk, _encoding, done) {
          logged.push(String(chunk));
          done();
        },
      });
      const app = await startTestApp({ dashboardWarmAtStart: warm }, { log: createLogger('info', 'json', sink) });
      const warmed = () => logged.find((line) => line.includes('dashboards warmed'));
      try {
        await app.app.ready();
        expect(warmed()).toBeUndefined();
        const listening = performance.now();
        await app.app.listen({ port: 0, host: '127.0.0.1' });
        while (!warmed() && performance.now() - listening < waitMs)
          await new Promise((resolve) => setTimeout(resolve, 50));
        return { line: warmed(), ms: performance.now() - listening };
      } finally {
        await app.close();
      }
    };
    const on = await started(true, 60_000);
    expect(on.line, 'no "dashboards warmed" line within 60 s').toBeDefined();
    // This file's dashboard at least (others of this worker's database may fail: their files are gone).
    expect((JSON.parse(on.line ?? '{}') as { pages?: number }).pages).toBeGreaterThanOrEqual(1);
    // Switched off: nothing, in twice the time the warm-up took.
    expect((await started(false, 2 * on.ms + 500)).line).toBeUndefined();
  }, 180_000);
});
