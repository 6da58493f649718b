import { PERMISSIONS, type Permission, permissionScope } from '@cdp/contracts';
import { type Actor, can } from '../auth/actor.ts';
import { forbidden, notFound } from '../lib/app-error.ts';

const STUDY_SCOPED = PERMISSIONS.filter((p) => permissionScope(p) === 'assigned');

/** A study the actor holds no role for does not exist, as far as the actor can tell. */
export function canSeeStudy(actor: Actor, studyId: string): boolean {
  return can(actor, 'study:view:assigned', studyId);
}

/**
 * `can(actor, permission, study)` for one study: 404 when the actor may not see the study at
 * all, 403 naming the permission when they may see it but not do this.
 */
export function authorizeStudy(actor: Actor, permission: Permission, study: { id: string }): void {
  if (!canSeeStudy(actor, study.id)) throw notFound('Study');
  if (!can(actor, permission, study.id)) throw forbidden(permission);
}

/** What the actor may do with this study, for the `permissions` beside it in responses. */
export function studyPermissions(actor: Actor, studyId: string): Permission[] {
  return STUDY_SCOPED.filter((p) => can(actor, p, studyId));
}
