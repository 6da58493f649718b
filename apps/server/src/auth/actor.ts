import type { GrantDto } from '@cdp/contracts';

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
