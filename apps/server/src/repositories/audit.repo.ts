import type { AuditQuery } from '@cdp/contracts';
import { isUuid } from '@cdp/contracts';
import { auditEvents, type Tx } from '@cdp/db';
import { and, desc, eq, gt, gte, ilike, lte, type SQL, sql } from 'drizzle-orm';

function escapeLike(value: string): string {
  return value.replace(/[\\%_]/g, (c) => `\\${c}`);
}

/** The WHERE clause of an audit search, always inside the organization. */
export function auditConditions(orgId: string, query: Omit<AuditQuery, 'page' | 'pageSize'>): SQL[] {
  const conditions: SQL[] = [eq(auditEvents.orgId, orgId)];
  if (query.from) conditions.push(gte(auditEvents.createdAt, new Date(query.from)));
  if (query.to) conditions.push(lte(auditEvents.createdAt, new Date(query.to)));
  if (query.actor) {
    conditions.push(
      isUuid(query.actor)
        ? eq(auditEvents.actorId, query.actor)
        : ilike(auditEvents.actorLabel, `%${escapeLike(query.actor)}%`),
    );
  }
  if (query.action) {
    conditions.push(
      query.action.endsWith('.')
        ? ilike(auditEvents.action, `${escapeLike(query.action)}%`)
        : eq(auditEvents.action, query.action),
    );
  }
  if (query.resourceType) conditions.push(eq(auditEvents.resourceType, query.resourceType));
  if (query.resourceId) conditions.push(eq(auditEvents.resourceId, query.resourceId));
  return conditions;
}

const columns = {
  seq: auditEvents.seq,
  action: auditEvents.action,
  resourceType: auditEvents.resourceType,
  resourceId: auditEvents.resourceId,
  resourceLabel: auditEvents.resourceLabel,
  actorType: auditEvents.actorType,
  actorId: auditEvents.actorId,
  actorLabel: auditEvents.actorLabel,
  oldValues: auditEvents.oldValues,
  newValues: auditEvents.newValues,
  reason: auditEvents.reason,
  ip: auditEvents.ip,
  userAgent: auditEvents.userAgent,
  createdAt: sql<string>`to_char(${auditEvents.createdAt} at time zone 'UTC', 'YYYY-MM-DD"T"HH24:MI:SS.US"Z"')`,
  prevHash: auditEvents.prevHash,
  hash: auditEvents.hash,
};

export type AuditRow = { [K in keyof typeof columns]: unknown } & {
  seq: number;
  action: string;
  resourceType: string;
  resourceId: string | null;
  resourceLabel: string | null;
  actorType: 'user' | 'api_key' | 'system';
  actorId: string | null;
  actorLabel: string;
  reason: string | null;
  ip: string | null;
  userAgent: string | null;
  createdAt: string;
  prevHash: string;
  hash: string;
};

/** Newest first, one page. */
export async function searchAudit(tx: Tx, orgId: string, query: AuditQuery) {
  const where = and(...auditConditions(orgId, query));
  const [{ total } = { total: 0 }] = await tx
    .select({ total: sql<number>`count(*)::int` })
    .from(auditEvents)
    .where(where);
  const rows = (await tx
    .select(columns)
    .from(auditEvents)
    .where(where)
    .orderBy(desc(auditEvents.seq))
    .limit(query.pageSize)
    .offset((query.page - 1) * query.pageSize)) as AuditRow[];
  return { rows, total };
}

/** Oldest first, `limit` events after sequence `afterSeq`: for streaming exports. */
export async function auditBatch(
  tx: Tx,
  orgId: string,
  query: Omit<AuditQuery, 'page' | 'pageSize'>,
  afterSeq: number,
  limit: number,
): Promise<AuditRow[]> {
  const rows = (await tx
    .select(columns)
    .from(auditEvents)
    .where(and(...auditConditions(orgId, query), gt(auditEvents.seq, afterSeq)))
    .orderBy(auditEvents.seq)
    .limit(limit)) as AuditRow[];
  return rows;
}
