import type { DashboardDocument } from '@cdp/contracts';
import { dashboards, dashboardVersions, type Tx } from '@cdp/db';
import { eq } from 'drizzle-orm';
import { appendAudit } from '../audit/audit-log.ts';
import { type Author, userIdOf } from '../auth/author.ts';
import { readStoredDocument, widgetCount } from '../dashboards/documents.ts';
import { AppError, notFound } from '../lib/app-error.ts';
import type { AppContext } from '../lib/context.ts';
import { lockedDashboardFor } from '../policies/dashboard.ts';
import { type DashboardRow, findDashboard, findDashboardVersion } from '../repositories/dashboards.repo.ts';

export interface NewDashboard {
  studyId: string;
  name: string;
  description: string | null;
  templateId: string | null;
  document: DashboardDocument;
}

async function recordVersion(tx: Tx, row: DashboardRow, author: Author, comment: string | null): Promise<void> {
  await tx.insert(dashboardVersions).values({
    orgId: row.orgId,
    dashboardId: row.id,
    version: row.version,
    name: row.name,
    document: row.document,
    comment,
    createdBy: userIdOf(author),
  });
}

/** Creates a study dashboard at version 1, with its first history entry and audit event. */
export async function createDashboard(ctx: AppContext, author: Author, input: NewDashboard): Promise<DashboardRow> {
  const { studyId } = input;
  return ctx.database.tenant(author.orgId, async (tx) => {
    const [row] = await tx
      .insert(dashboards)
      .values({
        orgId: author.orgId,
        studyId,
        name: input.name,
        description: input.description,
        templateId: input.templateId,
        document: input.document,
        version: 1,
        createdBy: userIdOf(author),
        updatedBy: userIdOf(author),
      })
      .returning();
    if (!row) throw new Error('dashboard insert returned nothing');
    await recordVersion(tx, row, author, input.templateId ? `Created from template ${input.templateId}` : 'Created');
    await appendAudit(tx, {
      orgId: author.orgId,
      author,
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
    });
    return row;
  });
}

export interface DashboardEdit {
  studyId: string;
  dashboardId: string;
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
  author: Author,
  edit: DashboardEdit,
  action: 'dashboard.updated' | 'dashboard.restored' = 'dashboard.updated',
): Promise<DashboardRow> {
  return ctx.database.tenant(author.orgId, async (tx) => {
    const found = await lockedDashboardFor(tx, author, edit, 'dashboard:edit:assigned');
    const before = found.row;
    if (before.version !== edit.version) throw stale(before.version, edit.version);
    const [row] = await tx
      .update(dashboards)
      .set({
        name: edit.name ?? before.name,
        description: edit.description === undefined ? before.description : edit.description,
        document: edit.document,
        version: before.version + 1,
        updatedBy: userIdOf(author),
        updatedAt: new Date(),
      })
      .where(eq(dashboards.id, edit.dashboardId))
      .returning();
    if (!row) throw new Error('dashboard update returned nothing');
    await recordVersion(tx, row, author, edit.comment ?? null);
    await appendAudit(tx, {
      orgId: author.orgId,
      author,
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
    });
    return row;
  });
}

/** Restores an older version as a new one (history is never rewritten). */
export async function restoreDashboardVersion(
  ctx: AppContext,
  author: Author,
  input: { studyId: string; dashboardId: string; version: number; current: number },
): Promise<DashboardRow> {
  const { studyId, dashboardId } = input;
  const old = await ctx.database.tenant(author.orgId, async (tx) => {
    const found = await findDashboard(tx, author.orgId, studyId, dashboardId);
    if (!found) throw notFound('Dashboard');
    return findDashboardVersion(tx, author.orgId, dashboardId, input.version);
  });
  if (!old) throw notFound(`Dashboard version ${input.version}`);
  return updateDashboard(
    ctx,
    author,
    {
      studyId,
      dashboardId,
      version: input.current,
      name: old.version.name,
      document: readStoredDocument(old.version.document),
      comment: `Restored version ${input.version}`,
    },
    'dashboard.restored',
  );
}

/** Deletes a dashboard: it leaves the study's list, and its row and history stay for the record. */
export async function deleteDashboard(
  ctx: AppContext,
  author: Author,
  input: { studyId: string; dashboardId: string; reason?: string },
): Promise<void> {
  await ctx.database.tenant(author.orgId, async (tx) => {
    const found = await lockedDashboardFor(tx, author, input, 'dashboard:delete:assigned');
    await tx
      .update(dashboards)
      .set({ deletedAt: new Date(), updatedBy: userIdOf(author) })
      .where(eq(dashboards.id, input.dashboardId));
    await appendAudit(tx, {
      orgId: author.orgId,
      author,
      action: 'dashboard.deleted',
      resourceType: 'dashboard',
      resourceId: input.dashboardId,
      oldValues: { name: found.row.name, version: found.row.version },
      ...(input.reason ? { reason: input.reason } : {}),
    });
  });
}
