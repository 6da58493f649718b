import type { DashboardDocument } from '@cdp/contracts';
import { dashboardTemplates } from '@cdp/db';
import { and, eq } from 'drizzle-orm';
import { appendAudit } from '../audit/audit-log.ts';
import { type Author, userIdOf } from '../auth/author.ts';
import { notFound } from '../lib/app-error.ts';
import type { AppContext } from '../lib/context.ts';
import type { TemplateRow } from '../repositories/templates.repo.ts';

/** Saves a study dashboard's document as an organization template. */
export async function createTemplate(
  ctx: AppContext,
  author: Author,
  input: { name: string; description: string; document: DashboardDocument; studyId: string; dashboardId: string },
): Promise<TemplateRow> {
  const { name, description, document } = input;
  return ctx.database.tenant(author.orgId, async (tx) => {
    const [created] = await tx
      .insert(dashboardTemplates)
      .values({ orgId: author.orgId, name, description, document, createdBy: userIdOf(author) })
      .returning();
    if (!created) throw new Error('template insert returned nothing');
    await appendAudit(tx, {
      orgId: author.orgId,
      author,
      action: 'dashboard_template.created',
      resourceType: 'dashboard_template',
      resourceId: created.id,
      newValues: { name, fromDashboard: input.dashboardId, studyId: input.studyId },
    });
    return created;
  });
}

/** Deletes an organization template (dashboards made from it keep their documents). */
export async function deleteTemplate(ctx: AppContext, author: Author, input: { templateId: string }): Promise<void> {
  await ctx.database.tenant(author.orgId, async (tx) => {
    const [deleted] = await tx
      .delete(dashboardTemplates)
      .where(and(eq(dashboardTemplates.orgId, author.orgId), eq(dashboardTemplates.id, input.templateId)))
      .returning();
    if (!deleted) throw notFound('Template');
    await appendAudit(tx, {
      orgId: author.orgId,
      author,
      action: 'dashboard_template.deleted',
      resourceType: 'dashboard_template',
      resourceId: deleted.id,
      oldValues: { name: deleted.name },
    });
  });
}
