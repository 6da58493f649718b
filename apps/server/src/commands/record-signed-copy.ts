import { exportSignedCopies } from '@cdp/db';
import { appendAudit } from '../audit/audit-log.ts';
import { type Author, userIdOf } from '../auth/author.ts';
import type { AppContext } from '../lib/context.ts';

export type SignedCopyRow = typeof exportSignedCopies.$inferSelect;

export interface SignedCopyMade {
  studyId: string;
  exportId: string;
  dashboardId: string;
  exportLabel: string;
  filePath: string;
  bytes: number;
  sha256: string;
  originalSha256: string;
  signatureIds: string[];
}

/** Records a signed copy of an export (its file is written already) and audits it, in one transaction. */
export async function recordSignedCopy(ctx: AppContext, author: Author, made: SignedCopyMade): Promise<SignedCopyRow> {
  return ctx.database.tenant(author.orgId, async (tx) => {
    const [row] = await tx
      .insert(exportSignedCopies)
      .values({
        orgId: author.orgId,
        studyId: made.studyId,
        exportId: made.exportId,
        filePath: made.filePath,
        bytes: made.bytes,
        sha256: made.sha256,
        originalSha256: made.originalSha256,
        signatureIds: made.signatureIds,
        createdBy: userIdOf(author),
      })
      .returning();
    if (!row) throw new Error('signed copy insert returned nothing');
    await appendAudit(tx, {
      orgId: author.orgId,
      author,
      action: 'export.signed_copy_made',
      // As `dashboard.exported`: the export is of the dashboard; the export's id is in the values.
      resourceType: 'dashboard',
      resourceId: made.dashboardId,
      resourceLabel: `${made.exportLabel} (signed copy)`,
      newValues: {
        studyId: made.studyId,
        exportId: made.exportId,
        sha256: made.sha256,
        originalSha256: made.originalSha256,
        bytes: made.bytes,
        signatureIds: made.signatureIds,
      },
    });
    return row;
  });
}
