import type { DashboardDocument } from '@cdp/contracts';
import { dashboards, dashboardVersions, type Tx } from '@cdp/db';
import { eq } from 'drizzle-orm';
import { type ActorRef, appendAudit, type RequestOrigin } from '../audit/audit-log.ts';
import { type Actor, actorRef } from '../auth/actor.ts';
import { readStoredDocument } from '../dashboards/documents.ts';
import { AppError, notFound } from '../lib/app-error.ts';
import type { AppContext } from '../lib/context.ts';
import {
  type DashboardRow,
  findDashboard,
  findDashboardVersion,
  widgetCount,
} from '../repositories/dashboards.repo.ts';

export interface NewDashboard {
  name: string;
  description: string | null;
  templateId: string | null;
  document: DashboardDocument;
}

/** Who saves: a signed-in user, or the system (the demo seed). */
export interface SavedBy {
  orgId: string;
  userId: string | null;
  ref: ActorRef;
}

export function savedBy(actor: Actor): SavedBy {
  return { orgId: actor.orgId, userId: actor.userId, ref: actorRef(actor) };
}

async function recordVersion(
  tx: Tx,
  row: DashboardRow,
  by: { userId: string | null },
  comment: string | null,
): Promise<void> {
  await tx.insert(dashboardVersions).values({
    orgId: row.orgId,
    dashboardId: row.id,
    version: row.version,
    name: row.name,
    document: row.document,
    comment,
    createdBy: by.userId,
  });
}

/** Creates a study dashboard at version 1, with its first history entry and audit event. */
export async function createDashboard(
  ctx: AppContext,
  by: SavedBy,
  studyId: string,
  input: NewDashboard,
  origin?: RequestOrigin,
): Promise<DashboardRow> {
  return ctx.database.tenant(by.orgId, async (tx) => {
    const [row] = await tx
      .insert(dashboards)
      .values({
        orgId: by.orgId,
        studyId,
        name: input.name,
        description: input.description,
        templateId: input.templateId,
        document: input.document,
        version: 1,
        createdBy: by.userId,
        updatedBy: by.userId,
      })
      .returning();
    if (!row) throw new Error('dashboard insert returned nothing');
    await recordVersion(tx, row, by, input.templateId ? `Created from template ${input.templateId}` : 'Created');
    await appendAudit(tx, {
      orgId: by.orgId,
      actor: by.ref,
      action: 'dashboard.created',
      resourceType: 'dashboard',
      resourceId: row.id,
      newValues: {
        studyId,
        name: row.name,
        templateId: row.templateId,
        version: 1,
        widgets: widgetCount(input.document),
      },
      ...(origin ? { origin } : {}),
    });
    return row;
  });
}

export interface DashboardEdit {
  /** The version the edit was made on. */
  version: number;
  name?: string;
  description?: string | null;
  document: DashboardDocument;
  comment?: string;
}

function stale(current: number, edited: number): AppError {
  return new AppError(
    'CONFLICT',
    `This dashboard was saved by someone else since you opened it (you edited version ${edited}; it is now at version ${current}). Reload it to see their changes; nothing was overwritten.`,
    { currentVersion: current },
  );
}

/**
 * Saves a new version of a dashboard. Optimistic concurrency: the row is locked, and an edit made on
 * an older version than the stored one is refused with a 409; nothing is overwritten.
 */
export async function updateDashboard(
  ctx: AppContext,
  actor: Actor,
  studyId: string,
  dashboardId: string,
  edit: DashboardEdit,
  origin: RequestOrigin,
  action: 'dashboard.updated' | 'dashboard.restored' = 'dashboard.updated',
): Promise<DashboardRow> {
  return ctx.database.tenant(actor.orgId, async (tx) => {
    const found = await findDashboard(tx, actor.orgId, studyId, dashboardId, { forUpdate: true });
    if (!found) throw notFound('Dashboard');
    const before = found.row;
    if (before.version !== edit.version) throw stale(before.version, edit.version);
    const [row] = await tx
      .update(dashboards)
      .set({
        name: edit.name ?? before.name,
        description: edit.description === undefined ? before.description : edit.description,
        document: edit.document,
        version: before.version + 1,
        updatedBy: actor.userId,
        updatedAt: new Date(),
      })
      .where(eq(dashboards.id, dashboardId))
      .returning();
    if (!row) throw new Error('dashboard update returned nothing');
    await recordVersion(tx, row, { userId: actor.userId }, edit.comment ?? null);
    await appendAudit(tx, {
      orgId: actor.orgId,
      actor: actorRef(actor),
      action,
      resourceType: 'dashboard',
      resourceId: row.id,
      oldValues: {
        version: before.version,
        name: before.name,
        widgets: widgetCount(readStoredDocument(before.document)),
      },
      newValues: {
        version: row.version,
        name: row.name,
        widgets: widgetCount(edit.document),
        comment: edit.comment ?? null,
      },
      origin,
    });
    return row;
  });
}

/** Restores an older version as a new one (history is never rewritten). */
export async function restoreDashboardVersion(
  ctx: AppContext,
  actor: Actor,
  studyId: string,
  dashboardId: string,
  restore: { version: number; current: number },
  origin: RequestOrigin,
): Promise<DashboardRow> {
  const old = await ctx.database.tenant(actor.orgId, async (tx) => {
    const found = await findDashboard(tx, actor.orgId, studyId, dashboardId);
    if (!found) throw notFound('Dashboard');
    return findDashboardVersion(tx, actor.orgId, dashboardId, restore.version);
  });
  if (!old) throw notFound(`Dashboard version ${restore.version}`);
  return updateDashboard(
    ctx,
    actor,
    studyId,
    dashboardId,
    {
      version: restore.current,
      name: old.version.name,
      document: readStoredDocument(old.version.document),
      comment: `Restored version ${restore.version}`,
    },
    origin,
    'dashboard.restored',
  );
}

/** Deletes a dashboard: it leaves the study's list, and its row and history stay for the record. */
export async function deleteDashboard(
  ctx: AppContext,
  actor: Actor,
  studyId: string,
  dashboardId: string,
  reason: string | undefined,
  origin: RequestOrigin,
): Promise<void> {
  await ctx.database.tenant(actor.orgId, async (tx) => {
    const found = await findDashboard(tx, actor.orgId, studyId, dashboardId, { forUpdate: true });
    if (!found) throw notFound('Dashboard');
    await tx
      .update(dashboards)
      .set({ deletedAt: new Date(), updatedBy: actor.userId })
      .where(eq(dashboards.id, dashboardId));
    await appendAudit(tx, {
      orgId: actor.orgId,
      actor: actorRef(actor),
      action: 'dashboard.deleted',
      resourceType: 'dashboard',
      resourceId: dashboardId,
      oldValues: { name: found.row.name, version: found.row.version },
      ...(reason ? { reason } : {}),
      origin,
    });
  });
}
