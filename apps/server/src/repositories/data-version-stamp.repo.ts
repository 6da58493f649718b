import type { DataVersionStamp } from '@cdp/contracts';
import { auditEvents, type Tx, users } from '@cdp/db';
import { and, desc, eq, inArray, sql } from 'drizzle-orm';
import { findVersion } from './data-versions.repo.ts';

const ACTIVATIONS = ['data_version.activated', 'data_version.rolled_back'];

/**
 * The study's active version as a dashboard states it: source and load from the version row, the
 * activation (who, when, activate or roll back) from the audit trail's last event that made it the
 * active one. The audit trail is the record of that pointer move; nothing else keeps it.
 */
export async function findDataVersionStamp(
  tx: Tx,
  orgId: string,
  studyId: string,
  versionId: string,
): Promise<DataVersionStamp | null> {
  const found = await findVersion(tx, orgId, studyId, versionId);
  if (!found) return null;
  const [event] = await tx
    .select({
      action: auditEvents.action,
      at: auditEvents.createdAt,
      label: auditEvents.actorLabel,
      name: users.name,
      old: auditEvents.oldValues,
    })
    .from(auditEvents)
    // The audit keeps the actor's e-mail; the header shows the person's name where there is one.
    .leftJoin(users, sql`${users.id}::text = ${auditEvents.actorId}`)
    .where(
      and(
        eq(auditEvents.orgId, orgId),
        eq(auditEvents.resourceType, 'study'),
        eq(auditEvents.resourceId, studyId),
        inArray(auditEvents.action, ACTIVATIONS),
        sql`${auditEvents.newValues}->>'activeVersionId' = ${versionId}`,
      ),
    )
    .orderBy(desc(auditEvents.seq))
    .limit(1);
  const { version, createdBy } = found;
  const firstOfStudy = event
    ? (event.old as { activeVersionId?: string | null } | null)?.activeVersionId == null
    : true;
  return {
    id: version.id,
    label: version.label,
    source: { kind: version.kind, fileName: version.sourceFileName },
    loadedAt: version.createdAt.toISOString(),
    loadedBy: createdBy?.name ?? (version.kind === 'demo' ? 'system' : null),
    activatedAt: (event?.at ?? version.createdAt).toISOString(),
    activatedBy: event ? (event.name ?? event.label) : (createdBy?.name ?? null),
    activation: event?.action === 'data_version.rolled_back' ? 'rolled_back' : firstOfStudy ? 'first' : 'activated',
  };
}
