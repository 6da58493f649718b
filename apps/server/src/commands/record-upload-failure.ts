import { uploadFailures } from '@cdp/db';
import { appendAudit } from '../audit/audit-log.ts';
import { type Author, userIdOf } from '../auth/author.ts';
import { AppError } from '../lib/app-error.ts';
import type { AppContext } from '../lib/context.ts';
import type { VersionSource } from './create-data-version.ts';

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
  author: Author,
  input: { studyId: string; upload: VersionSource; error: unknown },
): Promise<void> {
  const { upload } = input;
  // The tenant is the author's: a study id of another organization finds nothing to attach to.
  const study = { id: input.studyId, orgId: author.orgId };
  const { code, message } = explain(input.error);
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
          createdBy: userIdOf(author),
        })
        .returning({ id: uploadFailures.id });
      await appendAudit(tx, {
        orgId: study.orgId,
        author,
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
      });
    });
  } catch (recordError) {
    ctx.log.error({ err: recordError, studyId: study.id }, 'could not record a failed upload');
  }
}
