import type { Permission } from '@cdp/contracts';
import type { Actor } from '../../auth/actor.ts';
import { notFound } from '../../lib/app-error.ts';
import type { AppContext } from '../../lib/context.ts';
import { authorizeStudy } from '../../policies/study.policy.ts';
import { findStudy, type StudyRow } from '../../repositories/studies.repo.ts';

/** The study named in the URL, of the actor's organization, on which the actor may do `permission`. */
export async function studyFor(
  ctx: AppContext,
  actor: Actor,
  studyId: string,
  permission: Permission,
): Promise<StudyRow> {
  const study = await ctx.database.tenant(actor.orgId, (tx) => findStudy(tx, actor, studyId));
  if (!study) throw notFound('Study');
  authorizeStudy(actor, permission, study);
  return study;
}
