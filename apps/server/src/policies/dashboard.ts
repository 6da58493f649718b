import type { DashboardDocument, Permission } from '@cdp/contracts';
import type { Tx } from '@cdp/db';
import type { Actor } from '../auth/actor.ts';
import type { Author } from '../auth/author.ts';
import { readStoredDocument } from '../dashboards/documents.ts';
import { type ReviewQueryCounts, reviewQueriesFor } from '../dashboards/review-queries.ts';
import { builtinTemplate, instantiateTemplate } from '../dashboards/templates/instantiate.ts';
import { withPipelineOutputs } from '../data/study-data.ts';
import { loadVersionData, schemaOf, type VersionData } from '../data/version-data.ts';
import { notFound } from '../lib/app-error.ts';
import type { AppContext } from '../lib/context.ts';
import { phiAccessOf } from '../phi/protect-version.ts';
import { type DashboardWithActor, findDashboard } from '../repositories/dashboards.repo.ts';
import type { StudyRow } from '../repositories/studies.repo.ts';
import { findTemplate } from '../repositories/templates.repo.ts';
import { can, type Grantee, heldOf } from './can.ts';
import { authorizeStudy, studyFor } from './study.ts';

const DASHBOARD_PERMISSIONS = [
  'dashboard:view:assigned',
  'dashboard:create:assigned',
  'dashboard:edit:assigned',
  'dashboard:delete:assigned',
] as const satisfies readonly Permission[];

export interface FoundDashboard {
  study: StudyRow;
  dashboard: DashboardWithActor;
  document: DashboardDocument;
  /** Review queries per subject, when the dashboard draws the query-rate KRI (`dashboards/review-queries.ts`). */
  reviewQueries?: ReviewQueryCounts;
}

/** A dashboard is its study's: the study decides who may do what with it. */
export async function dashboardFor(
  ctx: AppContext,
  actor: Actor,
  params: { id: string; did: string },
  permission: Permission,
): Promise<FoundDashboard> {
  const study = await studyFor(ctx, actor, params.id, permission);
  return ctx.database.tenant(actor.orgId, async (tx) => {
    const dashboard = await findDashboard(tx, actor.orgId, study.id, params.did);
    if (!dashboard) throw notFound('Dashboard');
    const document = readStoredDocument(dashboard.row.document);
    const reviewQueries = await reviewQueriesFor(tx, actor.orgId, study.id, document);
    return { study, dashboard, document, ...(reviewQueries ? { reviewQueries } : {}) };
  });
}

/** Inside a command's transaction: the dashboard locked FOR UPDATE, after the same decision. */
export async function lockedDashboardFor(
  tx: Tx,
  author: Author,
  params: { studyId: string; dashboardId: string },
  permission: Permission,
): Promise<DashboardWithActor> {
  authorizeStudy(author, permission, { id: params.studyId });
  const found = await findDashboard(tx, author.orgId, params.studyId, params.dashboardId, { forUpdate: true });
  if (!found) throw notFound('Dashboard');
  return found;
}

/** The study's active data version with its pipelines' latest outputs, or null when it has no data yet. */
export async function activeVersionData(ctx: AppContext, actor: Actor, study: StudyRow): Promise<VersionData | null> {
  if (!study.activeDataVersionId) return null;
  const version = await loadVersionData(
    ctx,
    actor.orgId,
    study.id,
    study.activeDataVersionId,
    phiAccessOf(actor, study.id),
  );
  return version ? withPipelineOutputs(ctx, version) : null;
}

/**
 * The document a new dashboard starts from: a built-in template mapped onto the active version,
 * an organization template of the actor's organization (404 otherwise), or null for none.
 */
export async function templateDocumentFor(
  ctx: AppContext,
  actor: Actor,
  templateId: string,
  version: VersionData | null,
): Promise<DashboardDocument> {
  const builtin = builtinTemplate(templateId);
  if (builtin) return instantiateTemplate(builtin, version ? schemaOf(version) : []).document;
  const stored = await ctx.database.tenant(actor.orgId, (tx) => findTemplate(tx, actor.orgId, templateId));
  if (!stored) throw notFound(`Template ${templateId}`);
  return readStoredDocument(stored.document);
}

/** The `dashboard:*` permissions the caller holds on a study. */
export function dashboardPermissions(who: Grantee, studyId: string): string[] {
  return heldOf(who, DASHBOARD_PERMISSIONS, studyId);
}

/** Organization templates: deleting one needs `dashboard:delete:assigned` somewhere. */
export function templatePermissions(who: Grantee, template: { scope: 'builtin' | 'organization' }): string[] {
  return template.scope === 'organization' && can(who, 'dashboard:delete:assigned')
    ? ['dashboard:delete:assigned']
    : [];
}
