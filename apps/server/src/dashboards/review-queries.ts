import type { DashboardDocument } from '@cdp/contracts';
import type { Tx } from '@cdp/db';
import type { StudySettings } from '@cdp/widgets';
import type { AppContext } from '../lib/context.ts';
import { queryCountsBySubject } from '../repositories/review.repo.ts';

/** Widget types that draw the query-rate KRI (its numerator is in PostgreSQL, not in the data). */
const QUERY_RATE_TYPES = new Set(['kri-site-risk', 'kri-site-chart']);

/** Whether a widget asks for the query rate: a KRI widget whose `kris` includes it (the default does). */
export function widgetNeedsReviewQueries(widget: { type: string; options?: Record<string, unknown> }): boolean {
  if (!QUERY_RATE_TYPES.has(widget.type)) return false;
  const kris = widget.options?.kris;
  return !Array.isArray(kris) || kris.includes('query');
}

export function documentNeedsReviewQueries(document: DashboardDocument): boolean {
  return document.pages.some((page) => Object.values(page.widgets).some((w) => widgetNeedsReviewQueries(w)));
}

export type ReviewQueryCounts = NonNullable<StudySettings['reviewQueries']>;

/**
 * The study's review queries per subject, read inside the caller's tenant transaction (RLS applies),
 * only when the dashboard draws the query rate: other dashboards pay no extra round trip.
 */
export async function reviewQueriesFor(
  tx: Tx,
  orgId: string,
  studyId: string,
  document: DashboardDocument,
): Promise<ReviewQueryCounts | undefined> {
  if (!documentNeedsReviewQueries(document)) return undefined;
  return queryCountsBySubject(tx, orgId, studyId);
}

/** The same for one widget outside a saved dashboard (the builder's preview), in its own transaction. */
export async function reviewQueriesForWidget(
  ctx: AppContext,
  orgId: string,
  studyId: string,
  widget: { type: string; options?: Record<string, unknown> },
): Promise<ReviewQueryCounts | undefined> {
  if (!widgetNeedsReviewQueries(widget)) return undefined;
  return ctx.database.tenant(orgId, (tx) => queryCountsBySubject(tx, orgId, studyId));
}
