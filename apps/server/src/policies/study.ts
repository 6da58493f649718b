import { PERMISSIONS, type Permission, permissionScope } from '@cdp/contracts';
import type { Tx } from '@cdp/db';
import type { Actor } from '../auth/actor.ts';
import type { Author } from '../auth/author.ts';
import { forbidden, notFound } from '../lib/app-error.ts';
import type { AppContext } from '../lib/context.ts';
import { findStudy, type StudyRow } from '../repositories/studies.repo.ts';
import { can, type Grantee } from './can.ts';

const STUDY_SCOPED = PERMISSIONS.filter((p) => permissionScope(p) === 'assigned');

/** A study the actor holds no role for does not exist, as far as the actor can tell. */
export function canSeeStudy(who: Grantee, studyId: string): boolean {
  return can(who, 'study:view:assigned', studyId);
}

/**
 * `can(actor, permission, study)` for one study: 404 when the actor may not see the study at
 * all, 403 naming the permission when they may see it but not do this.
 */
export function authorizeStudy(who: Grantee, permission: Permission, study: { id: string }): void {
  if (!canSeeStudy(who, study.id)) throw notFound('Study');
  if (!can(who, permission, study.id)) throw forbidden(permission);
}

/** What the actor may do with this study, for the `permissions` beside it in responses. */
export function studyPermissions(who: Grantee, studyId: string): Permission[] {
  return STUDY_SCOPED.filter((p) => can(who, p, studyId));
}

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

/** Inside a command's transaction: the study locked FOR UPDATE, then the same decision. */
export async function lockedStudyFor(
  tx: Tx,
  author: Author,
  studyId: string,
  permission: Permission,
): Promise<StudyRow> {
  const study = await findStudy(tx, author, studyId, { forUpdate: true });
  if (!study) throw notFound('Study');
  authorizeStudy(author, permission, study);
  return study;
}
