import { API_KEY_PATTERN, type GrantDto } from '@cdp/contracts';
import { AppError } from '../lib/app-error.ts';
import type { AppContext } from '../lib/context.ts';
import type { Actor } from './actor.ts';
import { actorCacheFor } from './actor-cache.ts';
import { apiKeyGrants } from './api-key-grants.ts';
import { hashApiKeySecret } from './api-key-secret.ts';
import type { Origin } from './author.ts';

interface ApiKeyRow extends Record<string, unknown> {
  key_id: string;
  key_name: string;
  scopes: string[];
  study_ids: string[] | null;
  expires_at: Date | null;
  expired: boolean;
  revoked_at: Date | null;
  hourly_limit: number;
  daily_limit: number;
  user_id: string;
  email: string;
  name: string;
  user_status: string;
  org_id: string;
  org_code: string;
  org_name: string;
  org_kind: 'tenant' | 'platform';
  org_status: string;
  org_features: Record<string, boolean> | null;
  grants: GrantDto[];
}

/** Routes that belong to a person's session, or manage keys: an API key is refused there. */
const SESSION_ONLY = ['/api/auth/', '/api/me', '/api/api-keys'];

export function isSessionOnlyRoute(url: string | undefined): boolean {
  return url !== undefined && SESSION_ONLY.some((prefix) => url === prefix || url.startsWith(prefix));
}

/** A 401 for the security log: unknown keys to the platform's, revoked and expired ones to their organization's. */
function invalidKey(reason: 'unknown' | 'revoked' | 'expired', message: string, orgId?: string): AppError {
  return new AppError('UNAUTHENTICATED', message, { reason: `api_key_${reason}` }).withSecurity({
    kind: 'invalid_token',
    detail: { reason: `api_key_${reason}` },
    ...(orgId ? { orgId } : {}),
  });
}

/**
 * The actor of a request made with an API key. The key is found by the hash of the secret, across
 * organizations (the tenant is not known yet); a wrong key is "not valid" whatever exists
 * elsewhere, a revoked or expired one says so, since only its holder can present it.
 */
export async function authenticateApiKey(ctx: AppContext, secret: string, origin: Origin): Promise<Actor> {
  if (!API_KEY_PATTERN.test(secret)) {
    throw invalidKey('unknown', 'This API key is not valid: a key is "cdp_" followed by 43 letters and digits.');
  }
  const hash = hashApiKeySecret(secret);
  // A key's actor is cached like a session's (auth/actor-cache.ts); its last use is then written
  // on the lookups only, at most once per ACTOR_CACHE_SECONDS (the function writes it once a minute anyway).
  const cache = actorCacheFor(ctx.database, ctx.config.actorCacheSeconds);
  const cacheKey = `k:${hash}`;
  const cached = cache.get(cacheKey, Number.POSITIVE_INFINITY);
  if (cached) return cached;
  const version = cache.currentVersion();
  const { rows } = await ctx.database.pool.query<ApiKeyRow>('select * from app_api_key_actor($1, $2)', [
    hash,
    origin.ip,
  ]);
  const row = rows[0];
  if (!row)
    throw invalidKey('unknown', 'This API key is not valid. Check that it was copied whole, or create a new one.');
  if (row.revoked_at) {
    throw invalidKey(
      'revoked',
      `This API key was revoked on ${row.revoked_at.toISOString()}. Create a new one.`,
      row.org_id,
    );
  }
  if (row.expired) {
    throw invalidKey(
      'expired',
      `This API key expired on ${row.expires_at?.toISOString()}. Create a new one.`,
      row.org_id,
    );
  }
  if (row.user_status !== 'active' || row.org_status !== 'active') {
    throw new AppError(
      'ACCOUNT_DISABLED',
      'The user who created this API key, or the organization, has been deactivated; the key acts for nobody.',
    );
  }
  if (row.org_features?.public_api === false) {
    throw new AppError('FEATURE_DISABLED', 'API keys are switched off for this organization.', {
      feature: 'public_api',
    });
  }
  const actor: Actor = {
    type: 'api_key',
    userId: row.user_id,
    email: row.email,
    name: row.name,
    orgId: row.org_id,
    orgCode: row.org_code,
    orgName: row.org_name,
    orgKind: row.org_kind,
    sessionId: '',
    apiKey: { id: row.key_id, name: row.key_name, hourlyLimit: row.hourly_limit, dailyLimit: row.daily_limit },
    mustChangePassword: false,
    grants: apiKeyGrants(row.grants, row.scopes, row.study_ids),
    features: row.org_features ?? {},
  };
  cache.set(cacheKey, actor, version, { expiresAt: row.expires_at });
  return actor;
}
