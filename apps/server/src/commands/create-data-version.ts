import { randomUUID } from 'node:crypto';
import { mkdir, rename, rm, writeFile } from 'node:fs/promises';
import path from 'node:path';
import type { WebhookEventType } from '@cdp/contracts';
import { datasets, dataVersions } from '@cdp/db';
import { type ConvertedDataset, type ConvertedUpload, type CsvOptions, FormatError, fileSafe } from '@cdp/formats';
import { sql } from 'drizzle-orm';
import { appendAuditCtes, type LabelledAuditEntry, lockAuditHeadCte, lockedHeadOf } from '../audit/audit-batch.ts';
import { dataVersionLabel } from '../audit/resource-label.ts';
import { type Author, userIdOf } from '../auth/author.ts';
import { ACTIVATION_CHANNEL } from '../dashboards/activation-warm-up.ts';
import { convertInWorker } from '../ingest/convert-in-worker.ts';
import { AppError } from '../lib/app-error.ts';
import type { AppContext } from '../lib/context.ts';
import { durableFiles } from '../lib/durable-files.ts';
import type { PhaseTimer } from '../lib/phase-timer.ts';
import { runTempName } from '../lib/process-run.ts';
import { studyDir } from '../lib/study-folders.ts';
import { versionLabel } from '../lib/version-label.ts';
import { readPhiInputs } from '../phi/protect-version.ts';
import { sealNewVersion } from '../phi/seal-files.ts';
import { findVersion, type VersionWithDatasets } from '../repositories/data-versions.repo.ts';
import { recordDeliveries, targetsFor, webhookEventsCte, webhookTargetsSql } from '../webhooks/record-webhook-event.ts';
import { recordUploadFailure } from './record-upload-failure.ts';
import { uploadFailedNote, uploadNote } from './upload-note.ts';

export interface VersionSource {
  fileName: string;
  bytes: number;
  sha256: string;
  kind: 'upload' | 'demo';
  /** How the user asked for CSV files to be read (kept so the version can be explained later). */
  csv?: CsvOptions;
}

/** The source as the manifest and the audit trail record it. */
function sourceRecord(upload: VersionSource) {
  const { kind, fileName, bytes, sha256, csv } = upload;
  return { kind, fileName, bytes, sha256, ...(csv ? { csvOptions: csv } : {}) };
}

export interface UploadedFile extends VersionSource {
  /** Where the upload was streamed to (under the study's temp folder). */
  path: string;
}

/** Writes the version's Parquet files into the work folder it is given. */
export type DatasetProducer = (work: string) => Promise<ConvertedUpload>;

/**
 * Turns an uploaded file into a new immutable data version: converted in `temp/`, given its
 * manifest, renamed into `source_data/{label}/`, then recorded (with its audit event) in one
 * transaction. Any failure removes what was written, so a failed upload leaves no trace but its
 * error; the study's first version becomes active, later ones only when someone activates them.
 */
export async function createDataVersion(
  ctx: AppContext,
  author: Author,
  input: { studyId: string; upload: UploadedFile; timer?: PhaseTimer },
): Promise<CreatedVersion> {
  const { upload } = input;
  const started = Date.now();
  try {
    const created = await recordDataVersion(ctx, author, {
      studyId: input.studyId,
      source: upload,
      produce: (work) => convertOrExplain(ctx, upload, work),
      timer: input.timer,
    });
    ctx.log.info({ studyId: input.studyId }, uploadNote(upload.fileName, author.label, created, Date.now() - started));
    return created;
  } catch (error) {
    ctx.log.warn({ studyId: input.studyId }, uploadFailedNote(upload.fileName, author.label, error));
    await recordUploadFailure(ctx, author, { studyId: input.studyId, upload, error });
    throw error;
  }
}

/** The new version as stored, and the study's active version as of its commit. */
export interface CreatedVersion extends VersionWithDatasets {
  activeVersionId: string | null;
}

/**
 * The steps every version takes, whatever produced its datasets (an upload, the demo generator).
 * `timer` is told when each step ends (conversion, files, commit with the read back, sealing).
 */
export async function recordDataVersion(
  ctx: AppContext,
  author: Author,
  input: { studyId: string; source: VersionSource; produce: DatasetProducer; timer?: PhaseTimer },
): Promise<CreatedVersion> {
  const { source: upload, produce, timer } = input;
  // The tenant is the author's: a study id of another organization finds no study below.
  const study = { id: input.studyId, orgId: author.orgId };
  const id = randomUUID();
  const base = studyDir(ctx.config.dataDir, study.orgId, study.id);
  const work = path.join(base, 'temp', runTempName(`version-${id}`));
  await mkdir(work, { recursive: true });
  let finalDir: string | null = null;
  let pendingNote: string | null = null;
  /** The datasets' files flushed, started as soon as they are converted. */
  let dataFlushed: Promise<void> | null = null;
  /** Every file and folder on the disk under its final name (the flushes, then the rename). */
  let placed: Promise<void> | null = null;
  try {
    const converted = await produce(work);
    timer?.mark('convert');
    const files = await nameDatasetFiles(work, converted.datasets);
    const named = files.map((file) => path.join(work, file));
    const durable = durableFiles(ctx);
    // The data's flushes start now, beside the manifest and the transaction below (issue 17: on
    // this disk the flushes of a small upload cost as much as its transaction, and neither needs
    // the other until the commit). After the naming: a flush opens its file by name.
    const flushing = durable.files(named);
    flushing.catch(() => {});
    dataFlushed = flushing;
    const createdAt = new Date();
    const { dir, label } = await reserveVersionFolder(path.join(base, 'source_data'), createdAt);
    finalDir = dir;
    // Until the commit, a folder in source_data/ that no row names is ours, not an orphan.
    pendingNote = path.join(base, 'temp', runTempName(`pending-${label}`));
    await writeFile(pendingNote, '');
    await writeFile(
      path.join(work, 'manifest.json'),
      `${JSON.stringify(manifest(id, study, label, createdAt, upload, author, converted, files), null, 2)}\n`,
    );
    // The rest of the work folder (the manifest) and its names, then the rename onto the reserved
    // (empty) folder, which is atomic: readers see all of the version or none.
    const placing = (async () => {
      await Promise.all([flushing, durable.folder(work, new Set(named))]);
      await rename(work, dir);
      await durable.renamed(dir);
    })();
    placing.catch(() => {});
    placed = placing;
    timer?.mark('files');
    const committed = await ctx.database.tenant(study.orgId, async (tx) => {
      // One read locks the study, the audit chain's head and gives the webhook endpoints; one write
      // records every audit and webhook event of the upload (issue 17: a round trip per event
      // cost a small upload more than some of its members' conversion).
      const found = await tx.execute<{
        active: string | null;
        code: string;
        seq: string;
        hash: string;
        now: string;
        targets: { id: string; events: string[] }[];
      }>(sql`with locked as (
          select active_data_version_id, code from studies
          where org_id = ${study.orgId} and id = ${study.id} for update
        ), ${lockAuditHeadCte(study.orgId, 'locked')}
        select locked.active_data_version_id as active, locked.code, audit_head.seq, audit_head.hash,
          audit_head.now, ${webhookTargetsSql(study.orgId)} as targets
        from locked, audit_head`);
      const locked = found.rows[0];
      if (!locked) throw new AppError('NOT_FOUND', 'Study not found.');
      const first = locked.active === null;
      await tx.insert(dataVersions).values({
        id,
        orgId: study.orgId,
        studyId: study.id,
        label,
        kind: upload.kind,
        sourceFileName: upload.fileName,
        sourceBytes: upload.bytes,
        sourceSha256: upload.sha256,
        skipped: converted.skipped,
        createdBy: userIdOf(author),
        createdAt,
      });
      await tx.insert(datasets).values(
        converted.datasets.map((d, i) => ({
          orgId: study.orgId,
          studyId: study.id,
          versionId: id,
          name: d.name,
          label: d.label ?? null,
          rows: d.rows,
          columns: d.columns.map((c) => ({
            name: c.name,
            label: c.label ?? null,
            type: c.type,
            length: c.length ?? null,
            format: c.format ?? null,
          })),
          source: d.source,
          format: d.format,
          file: files[i] as string,
          sha256: d.sha256,
          bytes: d.bytes,
        })),
      );
      // Both events name the version as the trail labels it (resource-label.ts), known here.
      const resourceLabel = dataVersionLabel({
        studyCode: locked.code,
        createdAt,
        kind: upload.kind,
        sourceFileName: upload.fileName,
      });
      const audit: LabelledAuditEntry[] = [
        {
          orgId: study.orgId,
          author,
          action: 'data_version.created',
          resourceType: 'data_version',
          resourceId: id,
          resourceLabel,
          newValues: {
            studyId: study.id,
            label,
            source: sourceRecord(upload),
            datasets: converted.datasets.map((d, i) => ({
              name: d.name,
              rows: d.rows,
              columns: d.columns.length,
              sha256: d.sha256,
              file: files[i],
            })),
            skipped: converted.skipped,
          },
        },
      ];
      const events: { id: string; type: WebhookEventType; data: Record<string, unknown> }[] = [
        {
          id: randomUUID(),
          type: 'data_version.created',
          data: {
            studyId: study.id,
            studyCode: locked.code,
            versionId: id,
            label,
            kind: upload.kind,
            fileName: upload.fileName,
            datasets: converted.datasets.map((d) => ({ name: d.name, rows: d.rows })),
          },
        },
      ];
      if (first) {
        audit.push({
          orgId: study.orgId,
          author,
          action: 'data_version.activated',
          resourceType: 'study',
          resourceId: study.id,
          resourceLabel,
          oldValues: { activeVersionId: null },
          newValues: { activeVersionId: id, label },
          reason: 'First data version of the study',
        });
        events.push({
          id: randomUUID(),
          type: 'data_version.activated',
          data: {
            studyId: study.id,
            studyCode: locked.code,
            versionId: id,
            label,
            previousVersionId: null,
            rollBack: false,
            reason: 'First data version of the study',
          },
        });
      }
      // A first version goes live with its row; the NOTIFY (delivered at commit, in the same
      // statement: no round trip more) has every API process warm the study's dashboards on it.
      const activate = first
        ? sql`update studies set active_data_version_id = ${id}, updated_at = now() where id = ${study.id}
            returning pg_notify(${ACTIVATION_CHANNEL}, ${`${study.orgId}/${study.id}`})`
        : sql`select 1`;
      await tx.execute(sql`with ${appendAuditCtes(study.orgId, lockedHeadOf(locked), audit)},
        ${webhookEventsCte(study.orgId, events)}
        ${activate}`);
      // Deliveries (and their jobs) only for endpoints subscribed to these events.
      for (const event of events) {
        await recordDeliveries(tx, study.orgId, event.id, targetsFor(locked.targets, event.type));
      }
      // Read back before the commit, in this transaction (issue 17: a transaction of its own cost
      // a small upload its BEGIN, tenant and COMMIT trips again): the answer (the version as
      // stored), what sealing needs (the study's PHI classification and sealed files, which the
      // study's lock keeps as they are), and the study's active version, exact under that lock.
      const read = {
        created: await findVersion(tx, study.orgId, study.id, id),
        inputs: await readPhiInputs(tx, study.orgId, study.id),
        activeVersionId: first ? id : locked.active,
      };
      // The rows name the files: they commit only once the files are on the disk, in place.
      await placing;
      return read;
    });
    finalDir = null;
    timer?.mark('commit');
    const { created, inputs, activeVersionId } = committed;
    if (!created) throw new Error('created data version not found');
    // Columns the study classifies as PHI are sealed before anyone is told the version exists.
    await sealNewVersion(ctx, study.orgId, study.id, id, { version: created, inputs });
    timer?.mark('seal');
    return { ...created, activeVersionId };
  } catch (error) {
    // A flush or a rename still under way must land before its folder is removed.
    await (placed ?? dataFlushed)?.catch(() => {});
    if (finalDir) await rm(finalDir, { recursive: true, force: true });
    throw error;
  } finally {
    // Side by side: each is a trip through libuv's pool, and on a busy machine every trip waits.
    await Promise.all([
      rm(work, { recursive: true, force: true }),
      rm(`${work}.spill`, { recursive: true, force: true }),
      pendingNote ? rm(pendingNote, { force: true }) : undefined,
    ]);
  }
}

export async function convertOrExplain(ctx: AppContext, upload: UploadedFile, work: string): Promise<ConvertedUpload> {
  await mkdir(`${work}.spill`, { recursive: true });
  try {
    const convert = ctx.convertUpload ?? convertInWorker;
    return await convert(
      {
        file: upload.path,
        fileName: upload.fileName,
        outDir: work,
        limits: {
          memoryLimit: ctx.config.duckdbMemoryLimit,
          // Beside the work folder, not in it: nothing but the version's own files may be renamed into place.
          tempDirectory: `${work}.spill`,
          maxZipBytes: ctx.config.zipMaxUncompressedBytes,
          csv: upload.csv,
        },
      },
      ctx.config.conversionConcurrency,
    );
  } catch (error) {
    if (!(error instanceof FormatError)) throw error;
    throw new AppError(
      'INVALID_FILE',
      `${error.message}${/[.?!]$/.test(error.message) ? '' : '.'} Nothing was saved.`,
      {
        ...error.location,
        reason: error.reason,
      },
    );
  }
}

/**
 * Claims `source_data/{label}` by creating it (mkdir fails if it exists), so two uploads landing in
 * the same second get `_2`, `_3` instead of one overwriting the other.
 */
async function reserveVersionFolder(sourceData: string, at: Date): Promise<{ dir: string; label: string }> {
  await mkdir(sourceData, { recursive: true });
  const base = versionLabel(at);
  for (let n = 1; n < 1000; n++) {
    const label = n === 1 ? base : `${base}_${n}`;
    const dir = path.join(sourceData, label);
    try {
      await mkdir(dir);
      return { dir, label };
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code !== 'EEXIST') throw error;
    }
  }
  throw new Error(`no free version folder under ${sourceData}`);
}

/** `DM.parquet`, `AE.parquet`: the dataset's own name where the file system allows it. */
async function nameDatasetFiles(work: string, converted: ConvertedDataset[]): Promise<string[]> {
  const used = new Set<string>();
  const names: string[] = [];
  for (const dataset of converted) {
    const stem = fileSafe(dataset.name);
    let file = `${stem}.parquet`;
    for (let n = 2; used.has(file.toLowerCase()); n++) file = `${stem}_${n}.parquet`;
    used.add(file.toLowerCase());
    await rename(dataset.file, path.join(work, file));
    names.push(file);
  }
  return names;
}

function manifest(
  id: string,
  study: { id: string; orgId: string },
  label: string,
  createdAt: Date,
  upload: VersionSource,
  author: Author,
  converted: ConvertedUpload,
  files: string[],
) {
  return {
    manifestVersion: 1,
    versionId: id,
    orgId: study.orgId,
    studyId: study.id,
    label,
    createdAt: createdAt.toISOString(),
    createdBy: { type: author.type, id: author.id, label: author.label },
    source: sourceRecord(upload),
    datasets: converted.datasets.map((d, i) => ({
      name: d.name,
      label: d.label ?? null,
      file: files[i],
      rows: d.rows,
      bytes: d.bytes,
      sha256: d.sha256,
      source: d.source,
      format: d.format,
      columns: d.columns.map((c) => ({
        name: c.name,
        label: c.label ?? null,
        type: c.type,
        length: c.length ?? null,
        format: c.format ?? null,
        informat: c.informat ?? null,
      })),
    })),
    skipped: converted.skipped,
  };
}
