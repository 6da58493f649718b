import type {
  PlatformSecurityEvent,
  PlatformSecurityEventQuery,
  SecurityEvent,
  SecurityEventQuery,
} from '@cdp/contracts';
import { organizations, securityEvents, type Tx } from '@cdp/db';
import { and, count, desc, eq, type SQL, sql } from 'drizzle-orm';
import { alias } from 'drizzle-orm/pg-core';

const iso = (column: typeof securityEvents.firstSeenAt | typeof securityEvents.lastSeenAt) =>
  sql<string>`to_char(${column} at time zone 'UTC', 'YYYY-MM-DD"T"HH24:MI:SS.MS"Z"')`;

const columns = {
  id: securityEvents.id,
  kind: securityEvents.kind,
  count: securityEvents.count,
  firstSeenAt: iso(securityEvents.firstSeenAt),
  lastSeenAt: iso(securityEvents.lastSeenAt),
  actorType: securityEvents.actorType,
  actorId: securityEvents.actorId,
  actorLabel: securityEvents.actorLabel,
  ip: securityEvents.ip,
  userAgent: securityEvents.userAgent,
  method: securityEvents.method,
  route: securityEvents.route,
  status: securityEvents.status,
  resourceType: securityEvents.resourceType,
  resourceIds: securityEvents.resourceIds,
  detail: securityEvents.detail,
  redacted: securityEvents.redacted,
};

type Row = Pick<typeof securityEvents.$inferSelect, Exclude<keyof typeof columns, 'firstSeenAt' | 'lastSeenAt'>> & {
  firstSeenAt: string;
  lastSeenAt: string;
};

function present(row: Row): SecurityEvent {
  return {
    id: row.id,
    kind: row.kind as SecurityEvent['kind'],
    count: row.count,
    firstSeenAt: row.firstSeenAt,
    lastSeenAt: row.lastSeenAt,
    actor:
      row.actorType && row.actorLabel ? { type: row.actorType, id: row.actorId ?? null, label: row.actorLabel } : null,
    ip: row.ip ?? null,
    userAgent: row.userAgent ?? null,
    method: row.method ?? null,
    route: row.route ?? null,
    status: row.status ?? null,
    resourceType: row.resourceType ?? null,
    resourceIds: row.resourceIds ?? [],
    detail: row.detail ?? null,
    redacted: row.redacted,
  };
}

/** One organization's security log, newest first. Inside that organization's tenant transaction. */
export async function listSecurityEvents(tx: Tx, orgId: string, query: SecurityEventQuery) {
  const where = and(eq(securityEvents.orgId, orgId), query.kind ? eq(securityEvents.kind, query.kind) : undefined);
  const [rows, total] = await Promise.all([
    tx
      .select(columns)
      .from(securityEvents)
      .where(where)
      .orderBy(desc(securityEvents.lastSeenAt), desc(securityEvents.id))
      .limit(query.pageSize)
      .offset((query.page - 1) * query.pageSize),
    tx.select({ n: count() }).from(securityEvents).where(where),
  ]);
  return {
    data: rows.map(present),
    page: { number: query.page, size: query.pageSize, total: total[0]?.n ?? 0 },
  };
}

const actorOrg = alias(organizations, 'actor_org');
const targetOrg = alias(organizations, 'target_org');

/**
 * Every organization's security log for the platform, newest first, in system context. Tenants'
 * redacted copies are left out: the platform's own row of the same event says everything.
 */
export async function listPlatformSecurityEvents(tx: Tx, query: PlatformSecurityEventQuery) {
  const conditions: SQL[] = [eq(securityEvents.redacted, false)];
  if (query.kind) conditions.push(eq(securityEvents.kind, query.kind));
  if (query.orgId) {
    conditions.push(
      sql`(${securityEvents.orgId} = ${query.orgId} or ${securityEvents.actorOrgId} = ${query.orgId}
        or ${securityEvents.targetOrgId} = ${query.orgId})`,
    );
  }
  const where = and(...conditions);
  const [rows, total] = await Promise.all([
    tx
      .select({
        ...columns,
        orgId: organizations.id,
        orgName: organizations.name,
        orgKind: organizations.kind,
        actorOrgId: actorOrg.id,
        actorOrgName: actorOrg.name,
        targetOrgId: targetOrg.id,
        targetOrgName: targetOrg.name,
      })
      .from(securityEvents)
      .innerJoin(organizations, eq(organizations.id, securityEvents.orgId))
      .leftJoin(actorOrg, eq(actorOrg.id, securityEvents.actorOrgId))
      .leftJoin(targetOrg, eq(targetOrg.id, securityEvents.targetOrgId))
      .where(where)
      .orderBy(desc(securityEvents.lastSeenAt), desc(securityEvents.id))
      .limit(query.pageSize)
      .offset((query.page - 1) * query.pageSize),
    tx.select({ n: count() }).from(securityEvents).where(where),
  ]);
  const data: PlatformSecurityEvent[] = rows.map((row) => ({
    ...present(row),
    org: { id: row.orgId, name: row.orgName, kind: row.orgKind },
    actorOrg: row.actorOrgId && row.actorOrgName ? { id: row.actorOrgId, name: row.actorOrgName } : null,
    targetOrg: row.targetOrgId && row.targetOrgName ? { id: row.targetOrgId, name: row.targetOrgName } : null,
  }));
  return { data, page: { number: query.page, size: query.pageSize, total: total[0]?.n ?? 0 } };
}
