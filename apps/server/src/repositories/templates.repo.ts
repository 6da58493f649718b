import { isUuid } from '@cdp/contracts';
import { dashboardTemplates, type Tx } from '@cdp/db';
import { and, asc, eq } from 'drizzle-orm';

export type TemplateRow = typeof dashboardTemplates.$inferSelect;

/** The organization's own templates, by name. */
export async function listTemplates(tx: Tx, orgId: string): Promise<TemplateRow[]> {
  return tx
    .select()
    .from(dashboardTemplates)
    .where(eq(dashboardTemplates.orgId, orgId))
    .orderBy(asc(dashboardTemplates.name));
}

/** One organization template; an id that is not a UUID (a built-in's) finds nothing. */
export async function findTemplate(tx: Tx, orgId: string, id: string): Promise<TemplateRow | null> {
  if (!isUuid(id)) return null;
  const [row] = await tx
    .select()
    .from(dashboardTemplates)
    .where(and(eq(dashboardTemplates.orgId, orgId), eq(dashboardTemplates.id, id)));
  return row ?? null;
}
