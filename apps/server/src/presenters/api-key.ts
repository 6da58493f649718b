import type { ApiKey, ApiKeyStatus } from '@cdp/contracts';
import type { ApiKeyWithCreator } from '../repositories/api-keys.repo.ts';

export function apiKeyStatus(key: { revokedAt: Date | null; expiresAt: Date | null }, now = new Date()): ApiKeyStatus {
  if (key.revokedAt) return 'revoked';
  if (key.expiresAt && key.expiresAt <= now) return 'expired';
  return 'active';
}

/** A key as the API shows it: never the secret or its hash. */
export function presentApiKey(row: ApiKeyWithCreator): ApiKey {
  return {
    id: row.id,
    name: row.name,
    prefix: row.prefix,
    scopes: row.scopes,
    studyIds: row.studyIds ?? null,
    expiresAt: row.expiresAt?.toISOString() ?? null,
    hourlyLimit: row.hourlyLimit,
    dailyLimit: row.dailyLimit,
    status: apiKeyStatus(row),
    createdAt: row.createdAt.toISOString(),
    createdBy: { id: row.createdBy, name: row.creatorName, email: row.creatorEmail },
    lastUsedAt: row.lastUsedAt?.toISOString() ?? null,
    lastUsedIp: row.lastUsedIp,
    revokedAt: row.revokedAt?.toISOString() ?? null,
    revokeReason: row.revokeReason,
  };
}

/** What the audit trail records of a key: its settings, never the secret. */
export function auditedApiKey(row: Omit<ApiKeyWithCreator, 'secretHash' | 'creatorName' | 'creatorEmail'>) {
  return {
    name: row.name,
    prefix: row.prefix,
    scopes: row.scopes,
    studyIds: row.studyIds ?? null,
    expiresAt: row.expiresAt?.toISOString() ?? null,
    hourlyLimit: row.hourlyLimit,
    dailyLimit: row.dailyLimit,
  };
}
