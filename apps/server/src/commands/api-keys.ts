import type { CreateApiKeyData, Permission } from '@cdp/contracts';
import { apiKeys, studies } from '@cdp/db';
import { and, eq, inArray, sql } from 'drizzle-orm';
import { appendAudit } from '../audit/audit-log.ts';
import { generateApiKeySecret } from '../auth/api-key-secret.ts';
import type { Author } from '../auth/author.ts';
import { AppError, forbidden } from '../lib/app-error.ts';
import type { AppContext } from '../lib/context.ts';
import { lockedApiKeyFor } from '../policies/api-key.ts';
import { can } from '../policies/can.ts';
import { canSeeStudy } from '../policies/study.ts';
import { auditedApiKey } from '../presenters/api-key.ts';
import { type ApiKeyWithCreator, listApiKeys } from '../repositories/api-keys.repo.ts';

function invalid(path: string, message: string): AppError {
  return new AppError('VALIDATION_FAILED', `${path}: ${message}`, { issues: [{ path, message }] });
}

/**
 * Creates a key and returns its secret, the only time it exists outside the requester's hands: the
 * row keeps its SHA-256 and a short prefix. A key never holds more than its creator: every scope
 * must be one the creator holds now (and keeps holding: see api-key-grants.ts), every listed study
 * one the creator can see.
 */
export async function createApiKey(
  ctx: AppContext,
  author: Author,
  input: CreateApiKeyData,
): Promise<{ key: ApiKeyWithCreator; secret: string }> {
  if (author.type !== 'user' || !author.id)
    throw new AppError('FORBIDDEN', 'Only a signed-in person can create API keys.');
  const creatorId = author.id;
  for (const scope of input.scopes) {
    if (!can(author, scope as Permission)) {
      throw new AppError('FORBIDDEN', `You do not hold ${scope}, so a key you create cannot either.`, {
        missingPermission: scope,
      });
    }
  }
  if (input.expiresAt && new Date(input.expiresAt) <= new Date()) {
    throw invalid('body.expiresAt', 'The expiry must be in the future.');
  }
  const { secret, prefix, hash } = generateApiKeySecret();
  const key = await ctx.database.tenant(author.orgId, async (tx) => {
    if (input.studyIds) {
      const found = await tx
        .select({ id: studies.id })
        .from(studies)
        .where(and(eq(studies.orgId, author.orgId), inArray(studies.id, input.studyIds)));
      const known = new Set(found.map((s) => s.id));
      const index = input.studyIds.findIndex((id) => !known.has(id) || !canSeeStudy(author, id));
      if (index >= 0) throw invalid(`body.studyIds.${index}`, 'No such study, or not one you can see.');
    }
    const [row] = await tx
      .insert(apiKeys)
      .values({
        orgId: author.orgId,
        name: input.name,
        prefix,
        secretHash: hash,
        scopes: input.scopes,
        studyIds: input.studyIds ? [...new Set(input.studyIds)] : null,
        expiresAt: input.expiresAt ? new Date(input.expiresAt) : null,
        hourlyLimit: input.hourlyLimit,
        dailyLimit: input.dailyLimit,
        createdBy: creatorId,
      })
      .returning();
    if (!row) throw new Error('api key insert returned nothing');
    await appendAudit(tx, {
      orgId: author.orgId,
      author,
      action: 'api_key.created',
      resourceType: 'api_key',
      resourceId: row.id,
      newValues: auditedApiKey(row),
    });
    const [created] = await listApiKeys(tx, author, { id: row.id });
    if (!created) throw new Error('created api key not found');
    return created;
  });
  return { key, secret };
}

/** Revokes a key for good, with the reason in the trail; its next request is a 401 saying so. */
export async function revokeApiKey(
  ctx: AppContext,
  author: Author,
  input: { id: string; reason: string },
): Promise<ApiKeyWithCreator> {
  return ctx.database.tenant(author.orgId, async (tx) => {
    const key = await lockedApiKeyFor(tx, author, input.id);
    if (key.revokedAt)
      throw new AppError('INVALID_STATE', `This API key was already revoked on ${key.revokedAt.toISOString()}.`);
    await tx
      .update(apiKeys)
      .set({ revokedAt: sql`now()`, revokedBy: author.type === 'user' ? author.id : null, revokeReason: input.reason })
      .where(eq(apiKeys.id, key.id));
    await appendAudit(tx, {
      orgId: author.orgId,
      author,
      action: 'api_key.revoked',
      resourceType: 'api_key',
      resourceId: key.id,
      oldValues: { status: 'active' },
      newValues: { status: 'revoked' },
      reason: input.reason,
    });
    const [revoked] = await listApiKeys(tx, author, { id: key.id });
    if (!revoked) throw forbidden('api:manage_key:own');
    return revoked;
  });
}
