import { studies } from '@cdp/db';
import { and, eq } from 'drizzle-orm';
import { appendAudit, type RequestOrigin } from '../audit/audit-log.ts';
import { type Actor, actorRef } from '../auth/actor.ts';
import { AppError, notFound } from '../lib/app-error.ts';
import type { AppContext } from '../lib/context.ts';
import { findVersion, type VersionWithDatasets } from '../repositories/data-versions.repo.ts';

/**
 * Points the study at another of its versions: how a new version goes live and how a roll back is
 * done. The version files never change; only the pointer moves, with the reason in the audit trail.
 */
export async function activateDataVersion(
  ctx: AppContext,
  actor: Actor,
  studyId: string,
  versionId: string,
  reason: string,
  origin: RequestOrigin,
): Promise<VersionWithDatasets> {
  return ctx.database.tenant(actor.orgId, async (tx) => {
    const [study] = await tx
      .select({ id: studies.id, active: studies.activeDataVersionId })
      .from(studies)
      .where(and(eq(studies.orgId, actor.orgId), eq(studies.id, studyId)))
      .for('update');
    if (!study) throw notFound('Study');
    const target = await findVersion(tx, actor.orgId, studyId, versionId);
    if (!target) throw notFound('Data version');
    if (study.active === versionId) {
      throw new AppError('INVALID_STATE', `Version ${target.version.label} is already the active version.`);
    }
    const previous = study.active ? await findVersion(tx, actor.orgId, studyId, study.active) : null;
    await tx
      .update(studies)
      .set({ activeDataVersionId: versionId, updatedAt: new Date() })
      .where(eq(studies.id, studyId));
    const rollBack = previous !== null && previous.version.createdAt > target.version.createdAt;
    await appendAudit(tx, {
      orgId: actor.orgId,
      actor: actorRef(actor),
      action: rollBack ? 'data_version.rolled_back' : 'data_version.activated',
      resourceType: 'study',
      resourceId: studyId,
      oldValues: { activeVersionId: previous?.version.id ?? null, label: previous?.version.label ?? null },
      newValues: { activeVersionId: versionId, label: target.version.label },
      reason,
      origin,
    });
    return target;
  });
}
