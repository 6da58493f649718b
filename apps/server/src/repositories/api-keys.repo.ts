import { apiKeys, type Tx, users } from '@cdp/db';
import { and, desc, eq, type SQL } from 'drizzle-orm';
import type { TenantScope } from './studies.repo.ts';

export type ApiKeyRow = typeof apiKeys.$inferSelect;
export interface ApiKeyWithCreator extends ApiKeyRow {
  creatorName: string;
  creatorEmail: string;
}

/** API keys of the actor's organization (the secret hash never leaves this file's callers' presenters). */
export async function listApiKeys(
  tx: Tx,
  scope: TenantScope,
  filter: { id?: string; createdBy?: string } = {},
): Promise<ApiKeyWithCreator[]> {
  const conditions: SQL[] = [eq(apiKeys.orgId, scope.orgId)];
  if (filter.id) conditions.push(eq(apiKeys.id, filter.id));
  if (filter.createdBy) conditions.push(eq(apiKeys.createdBy, filter.createdBy));
  const rows = await tx
    .select({ key: apiKeys, creatorName: users.name, creatorEmail: users.email })
    .from(apiKeys)
    .innerJoin(users, eq(users.id, apiKeys.createdBy))
    .where(and(...conditions))
    .orderBy(desc(apiKeys.createdAt));
  return rows.map((r) => ({ ...r.key, creatorName: r.creatorName, creatorEmail: r.creatorEmail }));
}

export async function lockApiKey(tx: Tx, scope: TenantScope, id: string): Promise<ApiKeyRow | null> {
  const [row] = await tx
    .select()
    .from(apiKeys)
    .where(and(eq(apiKeys.orgId, scope.orgId), eq(apiKeys.id, id)))
    .for('update');
  return row ?? null;
}
