import type { SignableResourceType } from '@cdp/contracts';
import { signatures } from '@cdp/db';
import type { ReportSignature } from '@cdp/reports';
import { and, asc, eq } from 'drizzle-orm';
import type { AppContext } from '../lib/context.ts';
import { localTime } from '../presenters/signature.ts';
import { contentSha256, loadSignable } from '../signatures/signable-records.ts';

/**
 * The signatures of the dashboard version an export shows ("approved for use"), as the PDF cover
 * prints them: printed name, meaning, date and time with the signer's zone, the signed record's
 * SHA-256, and whether the version still hashes as signed (it does unless the record is gone: saved
 * versions never change).
 */
export async function dashboardApprovals(
  ctx: AppContext,
  orgId: string,
  dashboard: { id: string; name: string; version: number },
): Promise<ReportSignature[]> {
  const type: SignableResourceType = 'dashboard_version';
  const id = `${dashboard.id}:${dashboard.version}`;
  return ctx.database.tenant(orgId, async (tx) => {
    const rows = await tx
      .select()
      .from(signatures)
      .where(and(eq(signatures.orgId, orgId), eq(signatures.resourceType, type), eq(signatures.resourceId, id)))
      .orderBy(asc(signatures.signedAt));
    if (rows.length === 0) return [];
    const record = await loadSignable(tx, orgId, type, id);
    const current = record ? contentSha256(record) : null;
    return rows.map((row) => ({
      signer: row.signerName,
      meaning: row.meaning,
      signedAt: localTime(new Date(row.signedAt), row.timeZone),
      record: `Dashboard ${dashboard.name}, version ${dashboard.version}`,
      sha256: row.contentSha256,
      status: current === row.contentSha256 ? 'valid' : 'changed',
    }));
  });
}
