import type { Permission } from '@cdp/contracts';
import type { Actor } from '../auth/actor.ts';
import {
  datasetOf,
  loadVersionData,
  rawVersionData,
  type VersionData,
  type VersionDataset,
} from '../data/version-data.ts';
import { AppError, notFound } from '../lib/app-error.ts';
import type { AppContext } from '../lib/context.ts';
import { phiAccessOf } from '../phi/protect-version.ts';
import { readStudyPhi } from '../repositories/dashboard-data.repo.ts';
import { findVersion, type VersionWithDatasets } from '../repositories/data-versions.repo.ts';
import type { StudyRow } from '../repositories/studies.repo.ts';
import { protectedVersion } from './dashboard-data.ts';
import { authorizeStudy, studyFor } from './study.ts';

/**
 * Data versions and datasets belong to a study: who may `data:view:assigned` (or upload, or
 * export) on the study may do so on its versions, and a version of another study is a 404.
 */
export async function versionFor(
  ctx: AppContext,
  actor: Actor,
  params: { id: string; vid: string },
  permission: Permission,
): Promise<{ study: StudyRow; version: VersionWithDatasets }> {
  const study = await studyFor(ctx, actor, params.id, permission);
  const version = await ctx.database.tenant(actor.orgId, (tx) => findVersion(tx, actor.orgId, study.id, params.vid));
  if (!version) throw notFound('Data version');
  return { study, version };
}

/**
 * The datasets of a data version or of a pipeline's output version (whose id reads like a version's
 * in the dataset viewer), of a study the actor may `permission` on.
 */
export async function versionDatasetsFor(
  ctx: AppContext,
  actor: Actor,
  params: { id: string; vid: string },
  permission: Permission,
): Promise<VersionWithDatasets['datasets']> {
  const study = await studyFor(ctx, actor, params.id, permission);
  const version = await ctx.database.tenant(actor.orgId, (tx) => findVersion(tx, actor.orgId, study.id, params.vid));
  if (version) return version.datasets;
  const data = await versionDataFor(ctx, actor, study, params.vid);
  return [...data.datasets.values()].map((dataset) => dataset.row);
}

/** A version's datasets on disk (for queries and comparisons), of a study the actor may `permission` on. */
export async function versionDataFor(
  ctx: AppContext,
  actor: Actor,
  study: StudyRow,
  versionId: string,
): Promise<VersionData> {
  const data = await loadVersionData(ctx, actor.orgId, study.id, versionId, phiAccessOf(actor, study.id));
  if (!data) throw notFound('Data version');
  return data;
}

/**
 * One dataset of a version, by name (case-insensitive). The study, its PHI classification and its
 * sealed files come in one call (`readStudyPhi`); the version as stored is kept per process
 * (`rawVersionData`), and protected for this reader as `loadVersionData` does, kept by what made it
 * (`protectedVersion`). Before, two transactions (seven round trips) and a classification of every
 * column on every request: the dataset rows route's share of PostgreSQL and of the event loop.
 */
export async function datasetFor(
  ctx: AppContext,
  actor: Actor,
  params: { id: string; vid: string; name: string },
  permission: 'data:view:assigned' | 'data:export:assigned',
): Promise<VersionDataset> {
  const { study, phi } = await readStudyPhi(ctx.database, actor.orgId, params.id);
  if (!study) throw notFound('Study');
  authorizeStudy(actor, permission, study);
  const raw = await rawVersionData(ctx, actor.orgId, study.id, params.vid);
  if (!raw) throw notFound('Data version');
  const version = await protectedVersion(ctx, raw, NO_OUTPUTS, phi, phiAccessOf(actor, study.id));
  const dataset = datasetOf(version, params.name);
  if (!dataset) throw notFound(`Dataset ${params.name}`);
  return dataset;
}

const NO_OUTPUTS = { rows: [], datasets: [] };

/** Data is loaded only into a draft or active study. */
export function assertAcceptsData(study: StudyRow): void {
  if (study.status === 'archived' || study.status === 'locked') {
    throw new AppError('INVALID_STATE', `Study ${study.code} is ${study.status}; data cannot be loaded into it.`);
  }
}

/**
 * A download hands over every row the dataset viewer shows, so it needs what viewing needs plus
 * export: `data:export` alone (the clinical monitor's seed grant) lets someone download nothing.
 */
export const DATASET_DOWNLOAD: readonly Permission[] = ['data:view:assigned', 'data:export:assigned'];

/** 404 when the actor cannot see the study, else 403 naming the first missing permission. */
export function authorizeDatasetDownload(actor: Actor, study: { id: string }): void {
  for (const permission of DATASET_DOWNLOAD) authorizeStudy(actor, permission, study);
}
