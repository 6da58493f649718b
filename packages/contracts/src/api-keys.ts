import { z } from 'zod';
import { IsoDateTime, listOf, Reason, Uuid, withPermissions } from './common.ts';
import { PERMISSIONS, type Permission } from './permissions.ts';

/**
 * Permissions a key can never hold, whatever its creator holds: keys do not manage keys, users or
 * roles (roles are `organization:manage:own`), and never reach across tenants.
 */
export const API_KEY_EXCLUDED_PERMISSIONS: readonly Permission[] = [
  'platform:manage:all',
  'tenant:create:all',
  'tenant:manage:all',
  'tenant:view:all',
  'organization:manage:own',
  'user:create:own',
  'user:manage:own',
  'api:create_key:own',
  'api:manage_key:own',
];

/** The permissions a key may be given as scopes. */
export const API_KEY_SCOPES: readonly Permission[] = PERMISSIONS.filter(
  (p) => !API_KEY_EXCLUDED_PERMISSIONS.includes(p),
);

export const API_KEY_DEFAULT_HOURLY_LIMIT = 1000;
export const API_KEY_DEFAULT_DAILY_LIMIT = 10_000;

/** `cdp_` and 43 base62 characters (32 random bytes). */
export const API_KEY_PATTERN = /^cdp_[0-9A-Za-z]{43}$/;

const Scope = z.enum(API_KEY_SCOPES as [string, ...string[]], {
  error: (issue) =>
    `${JSON.stringify(issue.input)} cannot be an API key scope: keys hold permissions of the catalogue except managing keys, users, roles and the platform.`,
});

export const CreateApiKeyRequest = z
  .strictObject({
    name: z.string().trim().min(2, 'Name the key (at least 2 characters).').max(100),
    scopes: z
      .array(Scope)
      .min(1, 'Choose at least one scope.')
      .transform((s) => [...new Set(s)]),
    /** Null or absent: every study of the organization the creator may see. */
    studyIds: z
      .array(Uuid)
      .min(1, 'List at least one study, or leave the list out for all.')
      .max(500)
      .nullable()
      .default(null),
    expiresAt: IsoDateTime.nullable().default(null),
    hourlyLimit: z.number().int().min(1).max(1_000_000).default(API_KEY_DEFAULT_HOURLY_LIMIT),
    dailyLimit: z.number().int().min(1).max(10_000_000).default(API_KEY_DEFAULT_DAILY_LIMIT),
  })
  .refine((k) => k.dailyLimit >= k.hourlyLimit, {
    path: ['dailyLimit'],
    message: 'The daily limit cannot be lower than the hourly limit.',
  });
export type CreateApiKeyRequest = z.input<typeof CreateApiKeyRequest>;
export type CreateApiKeyData = z.output<typeof CreateApiKeyRequest>;

export const RevokeApiKeyRequest = z.strictObject({ reason: Reason });
export type RevokeApiKeyRequest = z.infer<typeof RevokeApiKeyRequest>;

export const ApiKeyStatus = z.enum(['active', 'expired', 'revoked']);
export type ApiKeyStatus = z.infer<typeof ApiKeyStatus>;

export const ApiKey = z.object({
  id: Uuid,
  name: z.string(),
  /** The first characters of the secret, e.g. `cdp_7Hq2xZ`: enough to recognise it, useless to use. */
  prefix: z.string(),
  scopes: z.array(z.string()),
  studyIds: z.array(Uuid).nullable(),
  expiresAt: IsoDateTime.nullable(),
  hourlyLimit: z.number().int(),
  dailyLimit: z.number().int(),
  status: ApiKeyStatus,
  createdAt: IsoDateTime,
  createdBy: z.object({ id: Uuid, name: z.string(), email: z.string() }),
  lastUsedAt: IsoDateTime.nullable(),
  lastUsedIp: z.string().nullable(),
  revokedAt: IsoDateTime.nullable(),
  revokeReason: z.string().nullable(),
});
export type ApiKey = z.infer<typeof ApiKey>;

export const ApiKeyResponse = withPermissions(ApiKey);
export const ApiKeyList = listOf(ApiKey);
/** The one answer that carries the secret: the creation. */
export const CreatedApiKeyResponse = z.object({
  data: ApiKey,
  secret: z.string(),
  permissions: z.array(z.string()),
});
export type CreatedApiKeyResponse = z.infer<typeof CreatedApiKeyResponse>;
export type ApiKeyResponse = z.infer<typeof ApiKeyResponse>;
export type ApiKeyList = z.infer<typeof ApiKeyList>;
