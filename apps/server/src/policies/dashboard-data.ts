import type { DashboardDocument, Permission } from '@cdp/contracts';
import type { Actor } from '../auth/actor.ts';
import { readStoredDocument } from '../dashboards/documents.ts';
import { mergePipelineOutputs } from '../data/study-data.ts';
import { rawVersionData, type VersionData } from '../data/version-data.ts';
import { notFound } from '../lib/app-error.ts';
import type { AppContext } from '../lib/context.ts';
import { applyPhiProtection, phiAccessOf } from '../phi/protect-version.ts';
import { readDashboardData } from '../repositories/dashboard-data.repo.ts';
import type { FoundDashboard } from './dashboard.ts';
import { authorizeStudy } from './study.ts';

/**
 * Parsed documents by dashboard and version: a saved version never changes (every save is a new
 * version, `save-dashboard.ts`), and migrating a 12-widget document through zod on every data
 * request was a measurable share of a warm answer's CPU. Keyed by organization too, so a document
 * can only ever be found again by the tenant that read it.
 */
const DOCUMENTS = new Map<string, DashboardDocument>();
const DOCUMENTS_LIMIT = 500;

function documentOf(found: FoundDashboard['dashboard']): DashboardDocument {
  const { row } = found;
  const key = `${row.orgId}\n${row.id}\n${row.version}\n${row.updatedAt.getTime()}`;
  const known = DOCUMENTS.get(key);
  if (known) return known;
  const document = readStoredDocument(row.document);
  if (DOCUMENTS.size >= DOCUMENTS_LIMIT) DOCUMENTS.delete(DOCUMENTS.keys().next().value as string);
  DOCUMENTS.set(key, document);
  return document;
}

/**
 * `dashboardFor` followed by `activeVersionData`, with every database read in ONE round trip of one
 * tenant transaction (`readDashboardData`): the study (404/403 decided exactly as `studyFor` does,
 * before anything else read is looked at), the dashboard, the study's PHI classification and sealed
 * files, and the pipelines' latest outputs. Separately they were four transactions (13 round trips),
 * then one `tenant()` transaction (7); now 1. What a widget's data needs on every request, so the hot
 * path of the dashboard data routes.
 */
export async function dashboardDataFor(
  ctx: AppContext,
  actor: Actor,
  params: { id: string; did: string },
  permission: Permission,
): Promise<FoundDashboard & { version: VersionData | null }> {
  // One round trip reads everything; nothing is decided or returned before the study's check below.
  const read = await readDashboardData(ctx.database, actor.orgId, params.id, params.did);
  const study = read.study;
  if (!study) throw notFound('Study');
  authorizeStudy(actor, permission, study);
  const dashboard = read.dashboard;
  if (!dashboard) throw notFound('Dashboard');
  const data = study.activeDataVersionId
    ? { versionId: study.activeDataVersionId, phi: read.phi, outputs: read.outputs }
    : null;
  const found = { study, dashboard, document: documentOf(dashboard) };
  if (!data) return { ...found, version: null };
  // Versions are read once per process and cached (they never change); a first read is its own query.
  const raw = await rawVersionData(ctx, actor.orgId, study.id, data.versionId);
  if (!raw) return { ...found, version: null };
  // One classification of the merged version, as `withPipelineOutputs` gives (it re-protects the merge).
  const version = await applyPhiProtection(
    ctx,
    mergePipelineOutputs(ctx, raw, data.outputs),
    phiAccessOf(actor, study.id),
    data.phi,
  );
  return { ...found, version };
}
