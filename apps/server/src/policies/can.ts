import { type GrantDto, hasPermission, type Permission } from '@cdp/contracts';

/** Anyone holding grants: a request's actor, or a command's author. */
export interface Grantee {
  grants: GrantDto[];
}

/** `can(actor, permission, studyId)`: held organization-wide, or for that study. */
export function can(who: Grantee, permission: Permission, studyId?: string): boolean {
  return hasPermission(who.grants, permission, studyId);
}

/** Holds the permission organization-wide (not only through a role limited to some studies). */
export function canOrgWide(who: Grantee, permission: Permission): boolean {
  return hasPermission(
    who.grants.filter((g) => g.studyId === null),
    permission,
  );
}

/** The subset of `candidates` the grantee holds anywhere: the `permissions` beside a resource. */
export function heldOf<P extends Permission>(who: Grantee, candidates: readonly P[], studyId?: string): P[] {
  return candidates.filter((p) => can(who, p, studyId));
}
