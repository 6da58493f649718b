import { createHash } from 'node:crypto';
import { existsSync } from 'node:fs';
import { readFile, rename, rm, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { exportSignedCopies, signatures } from '@cdp/db';
import { and, asc, desc, eq } from 'drizzle-orm';
import type { Author } from '../auth/author.ts';
import { recordSignedCopy, type SignedCopyRow } from '../commands/record-signed-copy.ts';
import { AppError } from '../lib/app-error.ts';
import type { AppContext } from '../lib/context.ts';
import { durableFiles } from '../lib/durable-files.ts';
import { studyDir } from '../lib/study-folders.ts';
import { localTime } from '../presenters/signature.ts';
import { type ExportRow, findExportById } from '../repositories/exports.repo.ts';
import { contentSha256, loadSignable } from '../signatures/signable-records.ts';
import { loadRenderers } from './renderers.ts';

/**
 * The signed copy of an exported PDF (21 CFR 11.50, 11.70): an export's signatures bind to the
 * SHA-256 of its file, so the file itself never changes; the signed copy is a second file, the
 * original's pages followed by an "Electronic signatures" page that prints each signature's
 * manifestation and the original's SHA-256. It is made after each signature of the export (and
 * again on download when a later signature is not on it yet), written under the study's
 * `exports/` folder as `<exportId>.signed.pdf`, recorded in `export_signed_copies` and audited
 * as `export.signed_copy_made`. PowerPoint and Excel exports are signed the same way but have no
 * signed copy: their signatures are shown and verified in CDP.
 */

export function signedCopyPath(exportId: string): string {
  return path.join('exports', `${exportId}.signed.pdf`);
}

/** "CDISC01 Overview 2026-12-06 1514 (signed).pdf" */
export function signedCopyName(fileName: string | null, exportId: string): string {
  const base = (fileName ?? `export ${exportId}.pdf`).replace(/\.pdf$/i, '');
  return `${base} (signed).pdf`;
}

function originalFile(ctx: AppContext, row: ExportRow): string {
  if (row.format !== 'pdf') {
    throw new AppError('INVALID_STATE', 'Only a PDF export has a signed copy; this export is signed in CDP only.');
  }
  if (row.status !== 'SUCCEEDED' || !row.sha256) throw new AppError('INVALID_STATE', 'This export is not finished.');
  if (!row.filePath || row.purgedAt) {
    throw new AppError('INVALID_STATE', "This export's file has been removed after its retention period.");
  }
  return path.join(studyDir(ctx.config.dataDir, row.orgId, row.studyId), row.filePath);
}

/** Makes, writes, records and audits the signed copy holding every signature of the export so far. */
export async function makeSignedCopy(ctx: AppContext, author: Author, row: ExportRow): Promise<SignedCopyRow | null> {
  const file = originalFile(ctx, row);
  const { rows, current, label } = await ctx.database.tenant(author.orgId, async (tx) => {
    const signed = await tx
      .select()
      .from(signatures)
      .where(
        and(
          eq(signatures.orgId, author.orgId),
          eq(signatures.resourceType, 'export'),
          eq(signatures.resourceId, row.id),
        ),
      )
      .orderBy(asc(signatures.signedAt), asc(signatures.id));
    const record = await loadSignable(tx, author.orgId, 'export', row.id, 'read', ctx.config.dataDir);
    return { rows: signed, current: record ? contentSha256(record) : null, label: record?.label ?? 'Export' };
  });
  if (rows.length === 0) return null;
  const original = await readFile(file);
  const originalSha256 = createHash('sha256').update(original).digest('hex');
  const last = rows.at(-1);
  const { signedPdfCopy } = await loadRenderers();
  const body = await signedPdfCopy(original, {
    fileName: row.fileName ?? `${row.id}.pdf`,
    originalSha256,
    madeAt: localTime(new Date(), last?.timeZone ?? 'UTC'),
    signatures: rows.map((s) => ({
      id: s.id,
      signer: s.signerName,
      meaning: s.meaning,
      signedAt: localTime(new Date(s.signedAt), s.timeZone),
      record: s.resourceLabel,
      // The original file's hash, which a reader can recompute (the signature binds to it).
      sha256: originalSha256,
      status: current === s.contentSha256 ? 'valid' : 'changed',
    })),
  });
  const relative = signedCopyPath(row.id);
  const target = path.join(studyDir(ctx.config.dataDir, row.orgId, row.studyId), relative);
  try {
    await writeFile(`${target}.part`, body);
    // On the disk before the signed copy's row names it (durable-files.ts).
    const durable = durableFiles(ctx);
    await durable.file(`${target}.part`);
    await rename(`${target}.part`, target);
    await durable.renamed(target);
  } catch (error) {
    await rm(`${target}.part`, { force: true });
    throw error;
  }
  return recordSignedCopy(ctx, author, {
    studyId: row.studyId,
    exportId: row.id,
    dashboardId: row.dashboardId,
    exportLabel: label,
    filePath: relative,
    bytes: body.length,
    sha256: createHash('sha256').update(body).digest('hex'),
    originalSha256,
    signatureIds: rows.map((s) => s.id),
  });
}

/**
 * The file to serve as the export's signed copy: the latest one made when it holds every signature
 * and is on disk as recorded; otherwise a new one is made. 409 while the export has no signature.
 */
export async function signedCopyFor(
  ctx: AppContext,
  author: Author,
  row: ExportRow,
): Promise<{ file: string; fileName: string; copy: SignedCopyRow }> {
  originalFile(ctx, row);
  const { latest, ids } = await ctx.database.tenant(author.orgId, async (tx) => {
    const [copy] = await tx
      .select()
      .from(exportSignedCopies)
      .where(and(eq(exportSignedCopies.orgId, author.orgId), eq(exportSignedCopies.exportId, row.id)))
      .orderBy(desc(exportSignedCopies.createdAt))
      .limit(1);
    const signed = await tx
      .select({ id: signatures.id })
      .from(signatures)
      .where(
        and(
          eq(signatures.orgId, author.orgId),
          eq(signatures.resourceType, 'export'),
          eq(signatures.resourceId, row.id),
        ),
      );
    return { latest: copy ?? null, ids: signed.map((s) => s.id) };
  });
  if (ids.length === 0) throw new AppError('INVALID_STATE', 'This export has not been signed: it has no signed copy.');
  const dir = studyDir(ctx.config.dataDir, row.orgId, row.studyId);
  let copy = latest;
  const complete = copy && ids.every((id) => copy?.signatureIds.includes(id));
  const onDisk =
    copy &&
    existsSync(path.join(dir, copy.filePath)) &&
    createHash('sha256')
      .update(await readFile(path.join(dir, copy.filePath)))
      .digest('hex') === copy.sha256;
  if (!copy || !complete || !onDisk) copy = await makeSignedCopy(ctx, author, row);
  if (!copy) throw new AppError('INVALID_STATE', 'This export has not been signed: it has no signed copy.');
  return { file: path.join(dir, copy.filePath), fileName: signedCopyName(row.fileName, row.id), copy };
}

/**
 * After an export is signed: its PDF gets its signed copy at once. A failure here does not undo
 * the signature (it is recorded); the copy is made again when it is downloaded.
 */
export async function afterExportSigned(ctx: AppContext, author: Author, exportId: string): Promise<void> {
  const row = await ctx.database.tenant(author.orgId, (tx) => findExportById(tx, author.orgId, exportId));
  if (row?.format !== 'pdf') return;
  try {
    await makeSignedCopy(ctx, author, row);
  } catch (error) {
    ctx.log.warn({ err: error, exportId }, 'signed copy of an export not made; it is made again on download');
  }
}
