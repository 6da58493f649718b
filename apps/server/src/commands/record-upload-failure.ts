import { uploadFailures } from '@cdp/db';
import { appendAudit, type RequestOrigin } from '../audit/audit-log.ts';
import { AppError } from '../lib/app-error.ts';
import type { AppContext } from '../lib/context.ts';
import type { VersionAuthor, VersionSource } from './create-data-version.ts';

/** What the uploader was told: a typed error's own words; anything else is ours and stays generic. */
function explain(error: unknown): { code: string; message: string } {
  if (error instanceof AppError) return { code: error.code, message: error.message };
  return { code: 'INTERNAL', message: 'The upload failed on our side; see the server log.' };
}

/**
 * Keeps a failed upload (file, size, error) and audits it, in one transaction, so the study's
 * people see it after the uploader's screen is gone. Never throws: the upload's own error is what
 * the caller reports, and a failure here is only logged.
 */
export async function recordUploadFailure(
  ctx: AppContext,
  study: { id: string; orgId: string },
  upload: VersionSource,
  author: VersionAuthor,
  error: unknown,
  origin?: RequestOrigin,
): Promise<void> {
  const { code, message } = explain(error);
  try {
    await ctx.database.tenant(study.orgId, async (tx) => {
      const [row] = await tx
        .insert(uploadFailures)
        .values({
          orgId: study.orgId,
          studyId: study.id,
          fileName: upload.fileName,
          bytes: upload.bytes,
          errorCode: code,
          message,
          createdBy: author.userId,
        })
        .returning({ id: uploadFailures.id });
      await appendAudit(tx, {
        orgId: study.orgId,
        actor: author.ref,
        action: 'data_upload.failed',
        resourceType: 'study',
        resourceId: study.id,
        newValues: {
          uploadFailureId: row?.id,
          fileName: upload.fileName,
          bytes: upload.bytes,
          errorCode: code,
          message,
        },
        origin,
      });
    });
  } catch (recordError) {
    ctx.log.error({ err: recordError, studyId: study.id }, 'could not record a failed upload');
  }
}
