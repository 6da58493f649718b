import { createHash, randomBytes } from 'node:crypto';
import { createReadStream } from 'node:fs';
import { readFile, rename, rm, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { pipeline } from 'node:stream/promises';
import { datasetSource, maskedExpression } from '@cdp/analytics';
import { dataVersions, phiSealedFiles, pipelineOutputs } from '@cdp/db';
import { openDuckDb, quoteIdent, quoteLiteral } from '@cdp/formats';
import { and, eq } from 'drizzle-orm';
import { loadVersionData, rememberOutputVersion, rememberVersion, type VersionData } from '../data/version-data.ts';
import { enqueueJob } from '../jobs/enqueue.ts';
import type { AppContext } from '../lib/context.ts';
import { type DurableFiles, durableFiles } from '../lib/durable-files.ts';
import type { VersionWithDatasets } from '../repositories/data-versions.repo.ts';
import { applyPhiProtection, type PhiInputs, PIPELINE_ENGINE, readPhiInputs } from './protect-version.ts';
import { retireSidecar } from './retired-sidecars.ts';
import { studyDataKey } from './study-keys.ts';

export type SealedRow = typeof phiSealedFiles.$inferSelect;

/** A DuckDB type name as DESCRIBE gives it; anything else is refused before it reaches SQL. */
const SQL_TYPE = /^[A-Z][A-Z0-9_]*( ?\([0-9, ]+\))?( WITH TIME ZONE)?$/;

async function sha256Of(file: string): Promise<string> {
  const hash = createHash('sha256');
  await pipeline(createReadStream(file), hash);
  return hash.digest('hex');
}

/** The sealed files of a study, by path relative to DATA_DIR. */
export async function sealedFilesOf(ctx: AppContext, orgId: string, studyId: string): Promise<Map<string, SealedRow>> {
  const rows = await ctx.database.tenant(orgId, (tx) =>
    tx
      .select()
      .from(phiSealedFiles)
      .where(and(eq(phiSealedFiles.orgId, orgId), eq(phiSealedFiles.studyId, studyId))),
  );
  return new Map(rows.map((r) => [r.file, r]));
}

/**
 * How a sealed column is stored in the main file: what a masked reader gets anyway (a date's year,
 * as 1 January of it for a DATE or TIMESTAMP column so the type stays; `[PHI]` for other text; null
 * for the rest), so the file read alone never holds a clear value.
 */
function storedMask(name: string, sqlType: string): string {
  const id = quoteIdent(name);
  if (sqlType === 'VARCHAR') return maskedExpression({ name, type: 'string' });
  if (sqlType === 'DATE') return `CASE WHEN ${id} IS NULL THEN NULL ELSE make_date(year(${id}), 1, 1) END`;
  if (sqlType.startsWith('TIMESTAMP')) {
    return `CASE WHEN ${id} IS NULL THEN NULL ELSE CAST(make_date(year(${id}), 1, 1) AS ${sqlType}) END`;
  }
  return `CAST(NULL AS ${sqlType})`;
}

/**
 * Makes a stored file's sealed columns exactly `wanted` (PHI-classified column names): the file is
 * rewritten with those columns masked and their clear values go, sealed value by value under the
 * study's data key, into a new sidecar beside it; columns no longer wanted get their clear values
 * back. Nothing clear is written anywhere but the final file, and only for columns that are no longer
 * PHI. The version's manifest then records the file's new SHA-256 (and keeps the original as
 * `clearSha256`) and the sidecar's, so backups still verify every file.
 */
export async function sealFile(
  ctx: AppContext,
  input: { orgId: string; studyId: string; file: string; wanted: string[] },
  existing: SealedRow | undefined,
): Promise<'sealed' | 'unsealed' | 'unchanged'> {
  const { orgId, studyId, file } = input;
  const rel = path.relative(ctx.config.dataDir, file);
  const now = (existing?.columns ?? []).map((c) => c.name.toUpperCase()).sort();
  const wantedUpper = [...new Set(input.wanted.map((w) => w.toUpperCase()))].sort();
  if (now.join('\n') === wantedUpper.join('\n')) return 'unchanged';
  const keyId = await studyDataKey(ctx, orgId, studyId, { create: wantedUpper.length > 0 || !!existing });
  if (!keyId) throw new Error(`no PHI data key for study ${studyId}`);
  const dir = path.dirname(file);
  const base = path.basename(file, '.parquet');
  const tag = randomBytes(6).toString('hex');
  const mainPart = path.join(dir, `.${base}.${tag}.part`);
  const sidecarName = `${base}.phi-${tag}.parquet`;
  const sidecarPart = path.join(dir, `.${sidecarName}.part`);
  const db = await openDuckDb({ threads: 1 });
  try {
    const clear = datasetSource({
      file,
      columns: [],
      ...(existing
        ? { sealed: { sidecar: path.join(ctx.config.dataDir, existing.sidecar), columns: existing.columns } }
        : {}),
    });
    const described = await db.connection.runAndReadAll(`DESCRIBE SELECT * FROM ${clear}`);
    const types = new Map(
      described
        .getRowObjects()
        .map((r) => [
          String(r.column_name).toUpperCase(),
          { name: String(r.column_name), type: String(r.column_type) },
        ]),
    );
    const columns = wantedUpper.flatMap((w) => {
      const found = types.get(w);
      if (!found) return [];
      if (!SQL_TYPE.test(found.type))
        throw new Error(`${rel}: column ${found.name} has an unexpected type ${found.type}`);
      return [{ name: found.name, sqlType: found.type }];
    });
    if (columns.length === 0 && !existing) return 'unchanged';
    if (columns.length > 0) {
      const sealed = columns
        .map(
          (c) =>
            `cdp_phi_seal(${quoteLiteral(keyId)}, CAST(${quoteIdent(c.name)} AS VARCHAR)) AS ${quoteIdent(c.name)}`,
        )
        .join(', ');
      await db.connection.run(`COPY (SELECT ${sealed} FROM ${clear}) TO ${quoteLiteral(sidecarPart)} (FORMAT parquet)`);
      const masks = columns.map((c) => `${storedMask(c.name, c.sqlType)} AS ${quoteIdent(c.name)}`).join(', ');
      await db.connection.run(
        `COPY (SELECT * REPLACE (${masks}) FROM ${clear}) TO ${quoteLiteral(mainPart)} (FORMAT parquet)`,
      );
    } else {
      await db.connection.run(`COPY (SELECT * FROM ${clear}) TO ${quoteLiteral(mainPart)} (FORMAT parquet)`);
    }
    const clearSha256 = existing?.clearSha256 ?? (await sha256Of(file));
    const sealedSha256 = await sha256Of(mainPart);
    const sidecar = columns.length > 0 ? path.join(dir, sidecarName) : null;
    // On the disk before the rename over the committed file and the row naming the sidecar.
    const durable = durableFiles(ctx);
    await Promise.all([sidecar ? durable.file(sidecarPart) : undefined, durable.file(mainPart)]);
    if (sidecar) await rename(sidecarPart, sidecar);
    await rename(mainPart, file);
    await durable.renamed(file);
    await ctx.database.tenant(orgId, async (tx) => {
      if (!sidecar) {
        await tx.delete(phiSealedFiles).where(and(eq(phiSealedFiles.orgId, orgId), eq(phiSealedFiles.file, rel)));
        return;
      }
      const values = {
        sidecar: path.relative(ctx.config.dataDir, sidecar),
        keyId,
        columns,
        clearSha256,
        sealedSha256,
        sealedAt: new Date(),
      };
      await tx
        .insert(phiSealedFiles)
        .values({ orgId, studyId, file: rel, ...values })
        .onConflictDoUpdate({ target: [phiSealedFiles.orgId, phiSealedFiles.file], set: values });
    });
    // Not removed yet: a reader that loaded the version before this swap may still open it
    // (retired-sidecars.ts); the main file was replaced by a rename, so readers never see half of one.
    if (existing) await retireSidecar(path.join(ctx.config.dataDir, existing.sidecar));
    await updateManifest(durable, dir, path.basename(file), {
      sha256: sealedSha256,
      clearSha256,
      sidecar: sidecar ? { file: sidecarName, sha256: await sha256Of(sidecar) } : null,
    });
    return sidecar ? 'sealed' : 'unsealed';
  } finally {
    db.close();
    await rm(mainPart, { force: true });
    await rm(sidecarPart, { force: true });
  }
}

interface ManifestEntry {
  file: string;
  sha256: string;
  clearSha256?: string;
  phiSidecar?: { file: string; sha256: string };
}

/** The version folder's manifest.json, with the rewritten file's hashes (written atomically, flushed to the disk). */
async function updateManifest(
  durable: DurableFiles,
  dir: string,
  fileName: string,
  change: { sha256: string; clearSha256: string; sidecar: { file: string; sha256: string } | null },
): Promise<void> {
  const target = path.join(dir, 'manifest.json');
  const text = await readFile(target, 'utf8').catch(() => null);
  if (text === null) return;
  const manifest = JSON.parse(text) as { datasets?: ManifestEntry[] };
  const entry = manifest.datasets?.find((d) => d.file === fileName);
  if (!entry) return;
  entry.sha256 = change.sha256;
  if (change.sidecar) {
    entry.clearSha256 = change.clearSha256;
    entry.phiSidecar = change.sidecar;
  } else {
    // Unsealed: the file holds its clear values again, as written.
    delete entry.clearSha256;
    delete entry.phiSidecar;
  }
  await writeFile(`${target}.part`, `${JSON.stringify(manifest, null, 2)}\n`);
  await durable.file(`${target}.part`);
  await rename(`${target}.part`, target);
  await durable.renamed(target);
}

/**
 * What a caller that has just written a version already read of it, after its commit: the version's
 * rows and the study's PHI inputs (`readPhiInputs`), so sealing reads neither again.
 */
export type KnownVersion =
  | { version: VersionWithDatasets; inputs: PhiInputs }
  /** A pipeline's output version, as its writer recorded it (`outputVersionFrom`). */
  | { output: VersionData; inputs: PhiInputs };

/**
 * Seals the PHI columns of every file of one version (an uploaded version or a pipeline's output
 * version) as the study's classification says now; unseals columns no longer classified.
 */
export async function protectVersionFiles(
  ctx: AppContext,
  orgId: string,
  studyId: string,
  versionId: string,
  known?: KnownVersion,
): Promise<{ sealed: number; unsealed: number }> {
  const data = known
    ? await applyPhiProtection(
        ctx,
        'output' in known ? rememberOutputVersion(known.output) : rememberVersion(ctx, known.version),
        PIPELINE_ENGINE,
        known.inputs,
      )
    : await loadVersionData(ctx, orgId, studyId, versionId, PIPELINE_ENGINE);
  const result = { sealed: 0, unsealed: 0 };
  if (!data) return result;
  const sealed = known
    ? new Map(known.inputs.sealedRows.map((r) => [r.file, r]))
    : await sealedFilesOf(ctx, orgId, studyId);
  for (const dataset of data.datasets.values()) {
    if (dataset.origin) continue;
    const wanted = dataset.columns.filter((c) => c.phi === 'phi').map((c) => c.name);
    const existing = sealed.get(path.relative(ctx.config.dataDir, dataset.file));
    const outcome = await sealFile(ctx, { orgId, studyId, file: dataset.file, wanted }, existing);
    if (outcome === 'sealed') result.sealed += 1;
    if (outcome === 'unsealed') result.unsealed += 1;
  }
  return result;
}

/** The `phi.protect` job: every version and pipeline output of a study, after its classification changed. */
export async function protectStudyFiles(
  ctx: AppContext,
  payload: { orgId: string; studyId: string },
): Promise<{ studyId: string; sealed: number; unsealed: number }> {
  const { orgId, studyId } = payload;
  const ids = await ctx.database.tenant(orgId, async (tx) => [
    ...(await tx
      .select({ id: dataVersions.id })
      .from(dataVersions)
      .where(and(eq(dataVersions.orgId, orgId), eq(dataVersions.studyId, studyId)))),
    ...(await tx
      .select({ id: pipelineOutputs.id })
      .from(pipelineOutputs)
      .where(and(eq(pipelineOutputs.orgId, orgId), eq(pipelineOutputs.studyId, studyId)))),
  ]);
  const total = { studyId, sealed: 0, unsealed: 0 };
  for (const { id } of ids) {
    const done = await protectVersionFiles(ctx, orgId, studyId, id);
    total.sealed += done.sealed;
    total.unsealed += done.unsealed;
  }
  return total;
}

/**
 * Right after a version's files are stored (an upload, a pull, a pipeline's output): seals the
 * columns the study already classifies as PHI before the answer leaves. A failure leaves the files
 * to the `phi.protect` job rather than failing a version that is already recorded. `known`: the
 * version and PHI inputs the caller read after its commit (an upload), so they are read once.
 */
export async function sealNewVersion(
  ctx: AppContext,
  orgId: string,
  studyId: string,
  versionId: string,
  known?: KnownVersion,
): Promise<void> {
  try {
    await protectVersionFiles(ctx, orgId, studyId, versionId, known);
  } catch (error) {
    ctx.log.error({ err: error, studyId, versionId }, 'sealing PHI of a new version failed; queued phi.protect');
    await ctx.database.tenant(orgId, (tx) => enqueueJob(tx, 'phi.protect', { orgId, studyId }));
  }
}

/**
 * `sealNewVersion` for a pipeline's output version its run has just recorded: the output's rows
 * are the writer's own, so only the study's PHI inputs are read (one transaction, after the
 * output's commit, as an upload reads them), not the output again nor the inputs twice. With no
 * column classified PHI, nothing more happens: no DuckDB, no file rewritten. `known`: those inputs
 * already read (a run reads them in its output's transaction).
 */
export async function sealNewOutput(ctx: AppContext, output: VersionData, known?: PhiInputs): Promise<void> {
  const { orgId, studyId, id } = output;
  try {
    const inputs = known ?? (await ctx.database.tenant(orgId, (tx) => readPhiInputs(tx, orgId, studyId)));
    await protectVersionFiles(ctx, orgId, studyId, id, { output, inputs });
  } catch (error) {
    ctx.log.error({ err: error, studyId, versionId: id }, 'sealing PHI of a new version failed; queued phi.protect');
    await ctx.database.tenant(orgId, (tx) => enqueueJob(tx, 'phi.protect', { orgId, studyId }));
  }
}
