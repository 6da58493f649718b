import path from 'node:path';
import { type PhiClass, VIEW_PHI } from '@cdp/contracts';
import { phiSealedFiles, type Tx } from '@cdp/db';
import { and, eq } from 'drizzle-orm';
import type { VersionData, VersionDataset } from '../data/version-data.ts';
import type { AppContext } from '../lib/context.ts';
import { can, type Grantee } from '../policies/can.ts';
import { phiClassesOf } from '../repositories/phi.repo.ts';
import { currentPhiReads } from './phi-reads.ts';
import { ensureDataKey } from './study-keys.ts';

/**
 * Whether a reader sees a study's PHI columns in clear. Every read of a data version takes one
 * (`loadVersionData`): there is no way to get a dataset's file and columns without deciding it.
 */
export interface PhiAccess {
  clear: boolean;
}

/** `data:view_phi:assigned` on the study (organization-wide or for that study). */
export function phiAccessOf(who: Grantee, studyId: string): PhiAccess {
  return { clear: can(who, VIEW_PHI, studyId) };
}

/** Only for reads no person sees (a dashboard's schema for template mapping): names and types, never values. */
export const SCHEMA_ONLY: PhiAccess = { clear: false };

/**
 * A pipeline run or a definition check: the engine reads the values and writes stored outputs,
 * whose columns are classified by name as the source's are (see `protectDataset`); nobody sees a
 * value until a reader with their own access reads the outputs.
 */
export const PIPELINE_ENGINE: PhiAccess = { clear: true };

/**
 * The version as this reader may read it: each column carries its study classification, PHI columns
 * are `masked` unless the reader is cleared (every SQL over the file then replaces them, see
 * `datasetSource` in @cdp/analytics), and a dataset whose PHI a cleared reader reads notes that read
 * for the PHI access log. The cached version is never changed: this returns fresh objects.
 */
export async function protectVersion(ctx: AppContext, version: VersionData, access: PhiAccess): Promise<VersionData> {
  const inputs = await ctx.database.tenant(version.orgId, (tx) => readPhiInputs(tx, version.orgId, version.studyId));
  return applyPhiProtection(ctx, version, access, inputs);
}

/** What `protectVersion` reads of a study: its PHI classification and its files sealed at rest. */
export interface PhiInputs {
  classes: Map<string, PhiClass>;
  sealedRows: Array<typeof phiSealedFiles.$inferSelect>;
}

/** `protectVersion`'s reads inside the caller's transaction (a loader that reads more in the same one). */
export async function readPhiInputs(tx: Tx, orgId: string, studyId: string): Promise<PhiInputs> {
  return {
    classes: await phiClassesOf(tx, orgId, studyId),
    sealedRows: await tx
      .select()
      .from(phiSealedFiles)
      .where(and(eq(phiSealedFiles.orgId, orgId), eq(phiSealedFiles.studyId, studyId))),
  };
}

/** `protectVersion` with its reads already made (`readPhiInputs`, same organization and study). */
export async function applyPhiProtection(
  ctx: AppContext,
  version: VersionData,
  access: PhiAccess,
  inputs: PhiInputs,
): Promise<VersionData> {
  const classes = new Map(inputs.classes);
  const sealed = new Map(inputs.sealedRows.map((r) => [r.file, r]));
  const datasets = new Map<string, VersionDataset>();
  for (const [name, phi] of [...classes]) {
    if (phi === 'phi') classes.set(`*\n${name.split('\n')[1]}`, 'phi');
  }
  for (const [key, dataset] of version.datasets) {
    const isOutput = version.kind === 'pipeline_output' || dataset.origin !== undefined;
    const protectedSet = protectDataset(version.studyId, dataset, classes, access, isOutput);
    const row = sealed.get(path.relative(ctx.config.dataDir, dataset.file));
    // A sealed file holds masked values: the sidecar is joined only for columns this reader sees in
    // clear, and only then is the study's data key unwrapped in this process.
    const masked = new Set(protectedSet.columns.filter((c) => c.masked).map((c) => c.name.toUpperCase()));
    if (row?.columns.some((c) => !masked.has(c.name.toUpperCase()))) {
      await ensureDataKey(ctx, version.orgId, version.studyId, row.keyId);
      protectedSet.sealed = { sidecar: path.join(ctx.config.dataDir, row.sidecar), columns: row.columns };
    }
    datasets.set(key, protectedSet);
  }
  return { ...version, datasets, access };
}

function protectDataset(
  studyId: string,
  dataset: VersionDataset,
  classes: Map<string, PhiClass>,
  access: PhiAccess,
  isOutput: boolean,
): VersionDataset {
  const columns = dataset.columns.map((c): VersionDataset['columns'][number] => {
    // A pipeline's output keeps the source's column names (DM → DM_CLEAN): a column classified PHI
    // in any dataset of the study is PHI in every output that carries it.
    const phi =
      classes.get(`${dataset.name.toUpperCase()}\n${c.name.toUpperCase()}`) ??
      (isOutput ? classes.get(`*\n${c.name.toUpperCase()}`) : undefined);
    const { phi: _old, masked: _was, ...plain } = c;
    if (!phi) return plain;
    if (phi !== 'phi' || access.clear) return { ...plain, phi };
    // A masked date reads as its year, in text: the reader's type says so.
    const type = plain.type === 'date' || plain.type === 'datetime' ? 'string' : plain.type;
    return { ...plain, type, phi, masked: true };
  });
  const clearPhi = access.clear ? columns.filter((c) => c.phi === 'phi').map((c) => c.name) : [];
  const { onRead: _previous, sealed: _sealed, ...rest } = dataset;
  return {
    ...rest,
    columns,
    ...(clearPhi.length > 0
      ? {
          // Only a read that touches a PHI column is logged (a count of subjects by arm over DM is not).
          onRead: (read?: string[]) => {
            const touched = read
              ? clearPhi.filter((c) => read.some((r) => r.toUpperCase() === c.toUpperCase()))
              : clearPhi;
            if (touched.length > 0) {
              currentPhiReads()?.note({ studyId, dataset: dataset.name, columns: touched, rows: dataset.rows });
            }
          },
        }
      : {}),
  };
}

/** The dataset's PHI columns this reader gets masked (none when cleared). */
export function maskedNames(dataset: Pick<VersionDataset, 'columns'>): string[] {
  return dataset.columns.filter((c) => c.masked).map((c) => c.name);
}
