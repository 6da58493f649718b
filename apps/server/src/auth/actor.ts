import { type GrantDto, hasPermission, type Permission } from '@cdp/contracts';
import type { ActorRef } from '../audit/audit-log.ts';

/** Who is making the request, as established by the auth hook. The tenant always comes from here. */
export interface Actor {
  type: 'user';
  userId: string;
  email: string;
  name: string;
  orgId: string;
  orgCode: string;
  orgName: string;
  orgKind: 'tenant' | 'platform';
  sessionId: string;
  mustChangePassword: boolean;
  /** Unexpired role assignments with their permissions. */
  grants: GrantDto[];
  /** The organization's stored feature flags (absent = on); read with `featureEnabled`. */
  features: Record<string, boolean>;
}

export function actorRef(actor: Actor): ActorRef {
  return { type: 'user', id: actor.userId, label: actor.email };
}

export function can(actor: Actor, permission: Permission, studyId?: string): boolean {
  return hasPermission(actor.grants, permission, studyId);
}

/** Holds the permission organization-wide (not only through a role limited to some studies). */
export function canOrgWide(actor: Actor, permission: Permission): boolean {
  return hasPermission(
    actor.grants.filter((g) => g.studyId === null),
    permission,
  );
}
