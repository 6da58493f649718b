import { studies } from '@cdp/db';
import { eq } from 'drizzle-orm';
import { appendAudit } from '../audit/audit-log.ts';
import type { Author } from '../auth/author.ts';
import { announceActivation } from '../dashboards/activation-warm-up.ts';
import { AppError, notFound } from '../lib/app-error.ts';
import type { AppContext } from '../lib/context.ts';
import { queueOnSourceActivation } from '../pipelines/triggers.ts';
import { ACTIVATION_SIGNATURE_MINUTES, activationSignatureOk } from '../policies/signature.ts';
import { lockedStudyFor } from '../policies/study.ts';
import { findVersion, type VersionWithDatasets } from '../repositories/data-versions.repo.ts';
import { findStudy } from '../repositories/studies.repo.ts';
import { recordWebhookEvent } from '../webhooks/record-webhook-event.ts';

/**
 * Points the study at another of its versions: how a new version goes live and how a roll back is
 * done. The version files never change; only the pointer moves, with the reason in the audit trail.
 */
export async function activateDataVersion(
  ctx: AppContext,
  author: Author,
  input: { studyId: string; versionId: string; reason: string; signatureId?: string | undefined },
): Promise<VersionWithDatasets> {
  const { studyId, versionId, reason } = input;
  return ctx.database.tenant(author.orgId, async (tx) => {
    // The system activates for a data source set to auto-activate: it holds no grants of its own.
    const study =
      author.type === 'system'
        ? await findStudy(tx, author, studyId, { forUpdate: true })
        : await lockedStudyFor(tx, author, studyId, 'data:upload:assigned');
    if (!study) throw notFound('Study');
    const target = await findVersion(tx, author.orgId, studyId, versionId);
    if (!target) throw notFound('Data version');
    const active = study.activeDataVersionId;
    if (active === versionId) {
      throw new AppError('INVALID_STATE', `Version ${target.version.label} is already the active version.`);
    }
    const previous = active ? await findVersion(tx, author.orgId, studyId, active) : null;
    const signed = await activationSignatureOk(tx, author, versionId, input.signatureId);
    if (signed === 'missing') {
      throw new AppError(
        'SIGNATURE_REQUIRED',
        `Your organization requires an electronic signature to activate or roll back a version: sign version ${target.version.label} (POST /api/signatures), then activate within ${ACTIVATION_SIGNATURE_MINUTES} minutes with its signatureId.`,
      );
    }
    await tx
      .update(studies)
      .set({ activeDataVersionId: versionId, updatedAt: new Date() })
      .where(eq(studies.id, studyId));
    const rollBack = previous !== null && previous.version.createdAt > target.version.createdAt;
    await appendAudit(tx, {
      orgId: author.orgId,
      author,
      action: rollBack ? 'data_version.rolled_back' : 'data_version.activated',
      resourceType: 'study',
      resourceId: studyId,
      oldValues: { activeVersionId: previous?.version.id ?? null, label: previous?.version.label ?? null },
      newValues: {
        activeVersionId: versionId,
        label: target.version.label,
        ...(signed === 'ok' ? { signatureId: input.signatureId } : {}),
      },
      reason,
    });
    // Pipelines that run on a new source version are queued with the activation (and only with it).
    await queueOnSourceActivation(tx, author.orgId, studyId);
    // Every API process warms the study's dashboards on the new version once this commits.
    await announceActivation(tx, author.orgId, studyId);
    await recordWebhookEvent(tx, author.orgId, 'data_version.activated', {
      studyId,
      studyCode: study.code,
      versionId,
      label: target.version.label,
      previousVersionId: previous?.version.id ?? null,
      rollBack,
      reason,
    });
    return target;
  });
}
