import type { GrantDto } from '@cdp/contracts';

/** The API key a request came with; the actor's user fields then describe the key's creator. */
export interface ActorApiKey {
  id: string;
  name: string;
  hourlyLimit: number;
  dailyLimit: number;
}

/**
 * Who is making the request, as established by the auth hook. The tenant always comes from here.
 * An API key is an actor too (`type: 'api_key'`): its grants are its creator's, narrowed to the
 * key's scopes and studies, so every permission check and tenant filter treats both alike.
 */
export interface Actor {
  type: 'user' | 'api_key';
  /** The signed-in user, or the user who created the API key. */
  userId: string;
  email: string;
  name: string;
  orgId: string;
  orgCode: string;
  orgName: string;
  orgKind: 'tenant' | 'platform';
  /** The sign-in session; empty for an API key, which never reaches the session routes. */
  sessionId: string;
  apiKey: ActorApiKey | null;
  mustChangePassword: boolean;
  /** Unexpired role assignments with their permissions. */
  grants: GrantDto[];
  /** The organization's stored feature flags (absent = on); read with `featureEnabled`. */
  features: Record<string, boolean>;
}
