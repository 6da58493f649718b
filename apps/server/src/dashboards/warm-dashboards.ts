import type { QueryEngine } from '@cdp/analytics';
import { rawVersionData } from '../data/version-data.ts';
import type { AppContext } from '../lib/context.ts';
import type { PhiAccess } from '../phi/protect-version.ts';
import { keptDocument, protectedVersion } from '../policies/dashboard-data.ts';
import { readDashboardData } from '../repositories/dashboard-data.repo.ts';
import { type DashboardToWarm, dashboardsToWarm } from '../repositories/dashboards-to-warm.repo.ts';
import { reviewQueriesFor } from './review-queries.ts';
import { type PageRun, runDashboardPage } from './run-dashboard-page.ts';

/** Dashboards warmed after a start: the most recently changed ones. */
const WARM_DASHBOARDS = 10;
/** How long the warm-up waits for an idle engine before a page; still busy then, its users have warmed it. */
const IDLE_WAIT_MS = 30_000;
/** How often it looks. */
const IDLE_POLL_MS = 100;
/** The warm-up reads as a reader without PHI clearance: masked columns, no read to note in the PHI access log. */
const MASKED_READER: PhiAccess = { clear: false };

/**
 * After a server start, the first page of each recently changed dashboard with active data, asked
 * once without filters, one page at a time and only when the engine has nothing else to do, as a
 * reader who sees PHI masked (so nothing is read in clear and nothing is noted in the PHI access
 * log). What a first user's page would otherwise pay is then paid: DuckDB opened, the files'
 * footers read, subject columns checked for repeats, top N keys counted, keyed copies of the small
 * datasets and base tables of the large ones built, the unfiltered answers cached, the compile code
 * hot. Its page takes a ticket like a user's: a user who asks the same page meanwhile shares its
 * queries at that rank, never behind a queue of lower priority (which a background rank would do
 * under load), and a user's page asked meanwhile waits for at most the one page in progress.
 * Nothing is kept that a later request could read as current unless it is: every cache is keyed by
 * data version, so an activation after the warm-up only makes it wasted. Returns the pages warmed;
 * a page that fails is skipped (the request that asks it says why).
 */
export async function warmDashboards(ctx: AppContext, engine: QueryEngine, stopped: () => boolean): Promise<number> {
  const dashboards = await dashboardsToWarm(ctx.database, WARM_DASHBOARDS).catch((error: unknown) => {
    if (!stopped()) ctx.log.warn({ err: error }, 'dashboard warm-up: the dashboards could not be listed');
    return [];
  });
  return warmTargets(ctx, engine, dashboards, stopped);
}

/**
 * Each dashboard's first page without filters, in turn, each only once the engine is idle (as
 * `warmDashboards` does after a start; `activation-warm-up.ts` after an activation). Returns the
 * pages warmed; a page that fails is skipped.
 */
export async function warmTargets(
  ctx: AppContext,
  engine: QueryEngine,
  dashboards: readonly DashboardToWarm[],
  stopped: () => boolean,
): Promise<number> {
  let warmed = 0;
  for (const target of dashboards) {
    if (stopped() || !(await idle(engine, stopped))) break;
    try {
      const page = await warmPage(ctx, engine, target);
      if (!page) continue;
      await Promise.allSettled(page.answers);
      warmed++;
    } catch (error) {
      if (stopped()) break;
      ctx.log.warn({ err: error, dashboardId: target.dashboardId }, 'dashboard warm-up: a page could not be warmed');
    }
  }
  return warmed;
}

/** Whether the engine ran and queued nothing at some moment within `IDLE_WAIT_MS` (false: busy or stopped). */
async function idle(engine: QueryEngine, stopped: () => boolean): Promise<boolean> {
  const until = performance.now() + IDLE_WAIT_MS;
  for (;;) {
    const { running, waiting } = engine.load;
    if (running + waiting === 0) return true;
    if (stopped() || performance.now() > until) return false;
    await new Promise((resolve) => setTimeout(resolve, IDLE_POLL_MS));
  }
}

/**
 * One dashboard's first page without filters, from its study's active version as a masked reader
 * reads it; null when the dashboard or the active data is gone.
 */
export async function warmPage(
  ctx: AppContext,
  engine: QueryEngine,
  { orgId, studyId, dashboardId }: DashboardToWarm,
): Promise<PageRun | null> {
  const read = await readDashboardData(ctx.database, orgId, studyId, dashboardId);
  const study = read.study;
  const versionId = study?.activeDataVersionId;
  if (!study || !read.dashboard || !versionId) return null;
  const whole = await keptDocument(ctx, read.dashboard);
  const raw = await rawVersionData(ctx, orgId, studyId, versionId);
  if (!whole || !raw) return null;
  const reviewQueries = await ctx.database.tenant(orgId, (tx) => reviewQueriesFor(tx, orgId, studyId, whole.document));
  const version = await protectedVersion(ctx, raw, read.outputs, read.phi, MASKED_READER);
  const found = { study, ...whole, ...(reviewQueries ? { reviewQueries } : {}) };
  return runDashboardPage(engine, found, version, undefined, []);
}
