import type { DatasetColumnType, PhiClass } from '@cdp/contracts';
import type { Tx } from '@cdp/db';
import type { AppContext } from '../lib/context.ts';
import { datasetFile } from '../lib/study-folders.ts';
import { type PhiAccess, protectVersion } from '../phi/protect-version.ts';
import { type DatasetRow, findVersion, type VersionWithDatasets } from '../repositories/data-versions.repo.ts';
import { findOutput, type OutputWithDatasets } from '../repositories/pipelines.repo.ts';
import { outputVersionFrom } from './output-version-data.ts';

/** One dataset of a version as it lies on disk: the one place a dataset's file is found. */
export interface VersionDataset {
  name: string;
  label: string | null;
  rows: number;
  file: string;
  columns: Array<{
    name: string;
    label: string | null;
    type: DatasetColumnType;
    /** The study's classification of the column, when it has one. */
    phi?: PhiClass;
    /** A PHI column this reader may not see: every read replaces it (`datasetSource`). */
    masked?: boolean;
  }>;
  /** Set by `protectVersion` when the file's PHI columns are sealed at rest and this reader sees some in clear. */
  sealed?: { sidecar: string; columns: Array<{ name: string; sqlType: string }> };
  /** Set by `protectVersion` when the reader reads PHI columns in clear: notes the read for the PHI access log. */
  onRead?: (columns?: string[]) => void;
  /** The stored row, for what the API shows of it (lengths, formats, hashes) and for the audit trail. */
  row: DatasetRow;
  /** Where a dataset a dashboard reads comes from, when it is a pipeline's output rather than the source version's. */
  origin?: { kind: 'pipeline_output'; pipelineId: string; pipelineName: string; outputId: string; label: string };
}

/** A data version's datasets, by upper-cased name. Versions never change, so this is cached. */
export interface VersionData {
  id: string;
  orgId: string;
  studyId: string;
  datasets: Map<string, VersionDataset>;
  /** `source`: an uploaded data version; `pipeline_output`: the output version of a pipeline run. */
  kind?: 'source' | 'pipeline_output';
  /** What query results are cached under when it is not `id` (a source version with pipelines' outputs). */
  cacheKey?: string;
  /** How the reader sees PHI columns; unset only on the raw, cached version no reader gets. */
  access?: PhiAccess;
}

const CACHE = new Map<string, VersionData>();
const CACHE_LIMIT = 200;

export function datasetOf(version: VersionData, name: string | undefined): VersionDataset | undefined {
  return name ? version.datasets.get(name.toUpperCase()) : undefined;
}

/**
 * The version's datasets by name, case-insensitive: what the query engine reads (file, columns)
 * and what `resolveWidget` checks a widget's mapping against (names, types).
 */
export function resolverOf(version: VersionData): (name: string) => VersionDataset | undefined {
  return (name) => version.datasets.get(name.toUpperCase());
}

/**
 * The datasets of one of the study's versions (the actor's organization only), or null, as a reader
 * with `access` may read them: the one door to a version's files, so the PHI decision (masked
 * columns, the access log) is taken here for every route, job and export built on it.
 */
export async function loadVersionData(
  ctx: AppContext,
  orgId: string,
  studyId: string,
  versionId: string,
  access: PhiAccess,
): Promise<VersionData | null> {
  const raw = await rawVersionData(ctx, orgId, studyId, versionId);
  return raw ? protectVersion(ctx, raw, access) : null;
}

/** A version as stored, before any reader's PHI decision: only for loaders that protect it themselves (`applyPhiProtection`). */
export async function rawVersionData(
  ctx: AppContext,
  orgId: string,
  studyId: string,
  versionId: string,
): Promise<VersionData | null> {
  const cached = cachedVersion(orgId, studyId, versionId);
  if (cached !== undefined) return cached;
  return ctx.database.tenant(orgId, (tx) => rawVersionDataIn(tx, ctx, orgId, studyId, versionId));
}

/** `rawVersionData` inside the caller's transaction (a loader that reads more in the same one). */
export async function rawVersionDataIn(
  tx: Tx,
  ...args: Parameters<typeof rawVersionData>
): Promise<VersionData | null> {
  const [ctx, orgId, studyId, versionId] = args;
  const cached = cachedVersion(orgId, studyId, versionId);
  if (cached !== undefined) return cached;
  const found = await findVersion(tx, orgId, studyId, versionId);
  if (found) return rememberVersion(ctx, found);
  // A pipeline's output version reads like a data version (viewer, downloads, diffs).
  const output = await findOutput(tx, orgId, studyId, versionId);
  return output ? rememberOutputVersion(outputVersionFrom(ctx, output)) : null;
}

/** The remembered version (null: it belongs to another study), or undefined when it was never read. */
function cachedVersion(orgId: string, studyId: string, versionId: string): VersionData | null | undefined {
  const cached = CACHE.get(versionId);
  if (!cached) return undefined;
  return cached.orgId === orgId && cached.studyId === studyId ? cached : null;
}

/** An output version read with its datasets (`latestOutput`): the remembered one, else this one remembered. */
export function outputVersionOf(ctx: AppContext, found: OutputWithDatasets): VersionData {
  const { id, orgId, studyId } = found.output;
  return cachedVersion(orgId, studyId, id) ?? rememberOutputVersion(outputVersionFrom(ctx, found));
}

/** A data version read with its datasets (a run's claim): the remembered one, else this one remembered. */
export function sourceVersionOf(ctx: AppContext, found: VersionWithDatasets): VersionData {
  const { id, orgId, studyId } = found.version;
  return cachedVersion(orgId, studyId, id) ?? rememberVersion(ctx, found);
}

/**
 * A data version's datasets from its stored rows, remembered for later reads: for a loader that
 * has just read (or written) the rows itself, such as a new upload, so it is not read twice.
 */
export function rememberVersion(ctx: AppContext, found: VersionWithDatasets): VersionData {
  const { orgId, studyId, id: versionId } = found.version;
  const data: VersionData = {
    kind: 'source',
    id: versionId,
    orgId,
    studyId,
    datasets: new Map(
      found.datasets.map((row) => [
        row.name.toUpperCase(),
        {
          name: row.name,
          label: row.label,
          rows: row.rows,
          file: datasetFile(ctx.config.dataDir, row, found.version.label),
          columns: row.columns.map((c) => ({ name: c.name, label: c.label, type: c.type as DatasetColumnType })),
          row,
        },
      ]),
    ),
  };
  remember(data);
  return data;
}

/** An output version its writer has just recorded, remembered as `rawVersionData` would read it. */
export function rememberOutputVersion(data: VersionData): VersionData {
  remember(data);
  return data;
}

function remember(data: VersionData): void {
  if (CACHE.size >= CACHE_LIMIT) CACHE.delete(CACHE.keys().next().value as string);
  CACHE.set(data.id, data);
}

/** The version's datasets as the mapping suggestions see them. */
export function schemaOf(
  version: VersionData,
): Array<{ name: string; label: string | null; columns: VersionDataset['columns'] }> {
  return [...version.datasets.values()].map((d) => ({ name: d.name, label: d.label, columns: d.columns }));
}
