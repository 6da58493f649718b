import { REVIEW_PERMISSION } from '@cdp/contracts';
import type { Actor } from '../auth/actor.ts';
import type { VersionData } from '../data/version-data.ts';
import { notFound } from '../lib/app-error.ts';
import type { AppContext } from '../lib/context.ts';
import type { StudyRow } from '../repositories/studies.repo.ts';
import { can } from './can.ts';
import { versionDataFor } from './data.ts';
import { authorizeStudy, studyFor } from './study.ts';

/**
 * Reading a subject's profile needs the study page's permission, then `data:view` (what the dataset
 * viewer needs) OR `review:perform` (clinical monitors review subjects without holding data:view;
 * see docs/decisions.md). PHI stays masked unless the reader may see it, either way.
 */
export const SUBJECT_PROFILE = ['study:view:assigned', 'data:view:assigned'] as const;
export const SUBJECT_PROFILE_ALTERNATIVE = REVIEW_PERMISSION;

/**
 * The study and its active data version as this reader may read it (PHI masked unless cleared,
 * through `loadVersionData`): another organization's study, or one the actor cannot see, is a 404;
 * a study without data is a 404 naming that.
 */
export async function subjectVersionFor(
  ctx: AppContext,
  actor: Actor,
  studyId: string,
): Promise<{ study: StudyRow; version: VersionData }> {
  const study = await studyFor(ctx, actor, studyId, SUBJECT_PROFILE[0]);
  // Without review:perform, a 403 names data:view (the permission most readers come by).
  if (!can(actor, SUBJECT_PROFILE_ALTERNATIVE, study.id)) authorizeStudy(actor, SUBJECT_PROFILE[1], study);
  // The uploaded version only, not pipelines' outputs: every dataset the profile lists is then
  // readable with the dataset rows API under the same version id.
  if (!study.activeDataVersionId) throw notFound('Active data version of this study');
  return { study, version: await versionDataFor(ctx, actor, study, study.activeDataVersionId) };
}
