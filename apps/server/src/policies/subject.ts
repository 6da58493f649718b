import type { Actor } from '../auth/actor.ts';
import type { VersionData } from '../data/version-data.ts';
import { notFound } from '../lib/app-error.ts';
import type { AppContext } from '../lib/context.ts';
import type { StudyRow } from '../repositories/studies.repo.ts';
import { versionDataFor } from './data.ts';
import { authorizeStudy, studyFor } from './study.ts';

/** Reading a subject's profile needs what the study page and the dataset viewer need. */
export const SUBJECT_PROFILE = ['study:view:assigned', 'data:view:assigned'] as const;

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
  for (const permission of SUBJECT_PROFILE) authorizeStudy(actor, permission, study);
  // The uploaded version only, not pipelines' outputs: every dataset the profile lists is then
  // readable with the dataset rows API under the same version id.
  if (!study.activeDataVersionId) throw notFound('Active data version of this study');
  return { study, version: await versionDataFor(ctx, actor, study, study.activeDataVersionId) };
}
