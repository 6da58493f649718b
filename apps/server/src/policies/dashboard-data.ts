import path from 'node:path';
import type { DashboardDocument, Permission } from '@cdp/contracts';
import type { Actor } from '../auth/actor.ts';
import { readStoredDocument } from '../dashboards/documents.ts';
import { documentNeedsReviewQueries, reviewQueriesFor } from '../dashboards/review-queries.ts';
import { mergePipelineOutputs, type PipelineOutputsRead } from '../data/study-data.ts';
import { rawVersionData, type VersionData } from '../data/version-data.ts';
import { notFound } from '../lib/app-error.ts';
import type { AppContext } from '../lib/context.ts';
import { applyPhiProtection, type PhiAccess, type PhiInputs, phiAccessOf } from '../phi/protect-version.ts';
import { ensureDataKey } from '../phi/study-keys.ts';
import { type DashboardHead, readDashboardData, readDashboardRow } from '../repositories/dashboard-data.repo.ts';
import type { DashboardRow, DashboardWithActor } from '../repositories/dashboards.repo.ts';
import type { FoundDashboard } from './dashboard.ts';
import { authorizeStudy } from './study.ts';

/**
 * Documents by dashboard and saved version, as stored and parsed: a saved version never changes
 * (every save is a new version, `save-dashboard.ts`), so the hot path reads the dashboard without
 * its document (`readDashboardData`) and reads it whole only for a version not seen yet. Migrating a
 * 12-widget document through zod, and parsing its JSON, on every data request was a measurable share
 * of a warm answer's CPU. Keyed by organization too, so a document can only ever be found again by
 * the tenant that read it.
 */
const DOCUMENTS = new Map<string, { stored: DashboardRow['document']; document: DashboardDocument }>();
const DOCUMENTS_LIMIT = 500;

const documentKey = (row: Omit<DashboardRow, 'document'>) =>
  `${row.orgId}\n${row.id}\n${row.version}\n${row.updatedAt.getTime()}`;

/** The dashboard whole, with its parsed document: from the kept documents, or read once more with it. */
async function withDocument(
  ctx: AppContext,
  head: DashboardHead,
): Promise<{ dashboard: DashboardWithActor; document: DashboardDocument }> {
  const found = await keptDocument(ctx, head);
  if (!found) throw notFound('Dashboard');
  return found;
}

/**
 * `withDocument`, or null when the dashboard is gone (deleted since the head was read): the
 * dashboards list presents each head with it, and a list leaves such a dashboard out.
 */
export async function keptDocument(
  ctx: AppContext,
  head: DashboardHead,
): Promise<{ dashboard: DashboardWithActor; document: DashboardDocument } | null> {
  const known = DOCUMENTS.get(documentKey(head.row));
  if (known) return { dashboard: { ...head, row: { ...head.row, document: known.stored } }, document: known.document };
  // Not seen yet: read the row again, document included, and keep what that read says (a save in
  // between makes it a newer version, which is what a reader asking now should get).
  const whole = await readDashboardRow(ctx.database, head.row.orgId, head.row.studyId, head.row.id);
  if (!whole) return null;
  const document = readStoredDocument(whole.row.document);
  if (DOCUMENTS.size >= DOCUMENTS_LIMIT) DOCUMENTS.delete(DOCUMENTS.keys().next().value as string);
  DOCUMENTS.set(documentKey(whole.row), { stored: whole.row.document, document });
  return { dashboard: whole, document };
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
  const withDoc = { study, ...(await withDocument(ctx, dashboard)) };
  if (!data) return { ...withDoc, version: null };
  // The query-rate KRI's numerator lives in PostgreSQL: one more tenant read, only for a dashboard
  // that draws it (`documentNeedsReviewQueries`); every other dashboard keeps the single round trip.
  const reviewQueries = documentNeedsReviewQueries(withDoc.document)
    ? await ctx.database.tenant(actor.orgId, (tx) => reviewQueriesFor(tx, actor.orgId, study.id, withDoc.document))
    : undefined;
  const found = { ...withDoc, ...(reviewQueries ? { reviewQueries } : {}) };
  // Versions are read once per process and cached (they never change); a first read is its own query.
  const raw = await rawVersionData(ctx, actor.orgId, study.id, data.versionId);
  if (!raw) return { ...found, version: null };
  return { ...found, version: await protectedVersion(ctx, raw, data.outputs, data.phi, phiAccessOf(actor, study.id)) };
}

/**
 * Protected versions made, by what made them (also for the dataset routes, `datasetFor`, with no outputs). Merging the pipeline outputs and classifying every
 * column of every dataset (`applyPhiProtection`) gave the same object for the same inputs on every
 * request, at a measurable cost; the kept answers' key also digests the result once per object
 * (`WidgetAnswers`). The key names every input: the version, the outputs and their datasets, the
 * study's classification and sealed files, and the reader's access.
 */
const PROTECTED = new Map<string, { version: VersionData; dataKeys: string[] }>();
const PROTECTED_LIMIT = 200;

export async function protectedVersion(
  ctx: AppContext,
  raw: VersionData,
  outputs: PipelineOutputsRead,
  phi: PhiInputs,
  access: PhiAccess,
): Promise<VersionData> {
  const key = JSON.stringify([
    ctx.config.dataDir,
    raw.orgId,
    raw.studyId,
    raw.id,
    raw.cacheKey ?? null,
    outputs.rows.map((r) => [r.output.id, r.output.createdAt.getTime(), r.pipelineName]),
    outputs.datasets.map((d) => [d.id, d.outputId, d.name, d.label, d.rows, d.file, d.columns]),
    [...phi.classes],
    phi.sealedRows.map((r) => [r.id, r.file, r.sidecar, r.keyId, r.columns]),
    access.clear,
  ]);
  const known = PROTECTED.get(key);
  if (known) {
    // A sealed file's data key must still be loaded here (it is forgotten after a key rotation).
    for (const keyId of known.dataKeys) await ensureDataKey(ctx, raw.orgId, raw.studyId, keyId);
    return known.version;
  }
  // One classification of the merged version, as `withPipelineOutputs` gives (it re-protects the merge).
  const version = await applyPhiProtection(ctx, mergePipelineOutputs(ctx, raw, outputs), access, phi);
  const sealedFiles = new Set([...version.datasets.values()].flatMap((d) => (d.sealed ? [d.sealed.sidecar] : [])));
  const dataKeys = [
    ...new Set(
      phi.sealedRows.filter((r) => sealedFiles.has(path.join(ctx.config.dataDir, r.sidecar))).map((r) => r.keyId),
    ),
  ];
  if (PROTECTED.size >= PROTECTED_LIMIT) PROTECTED.delete(PROTECTED.keys().next().value as string);
  PROTECTED.set(key, { version, dataKeys });
  return version;
}
