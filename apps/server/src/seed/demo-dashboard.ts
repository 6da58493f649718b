import { dashboards, organizations, studies } from '@cdp/db';
import { and, eq, sql } from 'drizzle-orm';
import { systemAuthor } from '../auth/author.ts';
import { createDashboard } from '../commands/save-dashboard.ts';
import { CLINICAL_STUDY_OVERVIEW } from '../dashboards/templates/clinical-study-overview.ts';
import { instantiateTemplate } from '../dashboards/templates/instantiate.ts';
import { SAFETY_REVIEW } from '../dashboards/templates/safety-review.ts';
import { SITE_MONITORING } from '../dashboards/templates/site-monitoring.ts';
import type { TemplateSpec } from '../dashboards/templates/template-spec.ts';
import { loadVersionData, schemaOf } from '../data/version-data.ts';
import type { AppContext } from '../lib/context.ts';
import { SCHEMA_ONLY } from '../phi/protect-version.ts';
import { DEMO_STUDY } from './seed.ts';

/** The demo study's dashboard, on first start (see `seedDemoDashboard`). */
export async function seedDemoStudyDashboard(ctx: AppContext): Promise<{ created: boolean; unmapped: string[] }> {
  const study = await ctx.database.system(async (tx) => {
    const [row] = await tx
      .select({ id: studies.id, orgId: studies.orgId, activeDataVersionId: studies.activeDataVersionId })
      .from(studies)
      .innerJoin(organizations, eq(organizations.id, studies.orgId))
      .where(and(eq(organizations.code, 'demo'), eq(studies.code, DEMO_STUDY.code)));
    return row ?? null;
  });
  return study ? seedDemoDashboard(ctx, study) : { created: false, unmapped: [] };
}

/**
 * The demo study's dashboards, in the order the study lists them. Instantiating a template maps
 * fields only (no query runs), so each adds milliseconds to the first start.
 */
const DEMO_TEMPLATES: readonly TemplateSpec[] = [CLINICAL_STUDY_OVERVIEW, SITE_MONITORING, SAFETY_REVIEW];

/**
 * Gives the demo study the Clinical Study Overview and the review dashboards, mapped onto its
 * generated data, when it has data and no dashboard yet (first start). Returns the widgets that
 * could not be mapped.
 */
export async function seedDemoDashboard(
  ctx: AppContext,
  study: { id: string; orgId: string; activeDataVersionId: string | null },
): Promise<{ created: boolean; unmapped: string[] }> {
  if (!study.activeDataVersionId) return { created: false, unmapped: [] };
  const existing = await ctx.database.tenant(study.orgId, async (tx) => {
    const [row] = await tx
      .select({ count: sql<number>`count(*)::int` })
      .from(dashboards)
      .where(and(eq(dashboards.orgId, study.orgId), eq(dashboards.studyId, study.id)));
    return row?.count ?? 0;
  });
  if (existing > 0) return { created: false, unmapped: [] };
  const version = await loadVersionData(ctx, study.orgId, study.id, study.activeDataVersionId, SCHEMA_ONLY);
  if (!version) return { created: false, unmapped: [] };
  const unmapped: string[] = [];
  for (const template of DEMO_TEMPLATES) {
    const instantiated = instantiateTemplate(template, schemaOf(version));
    await createDashboard(ctx, systemAuthor(study.orgId), {
      studyId: study.id,
      name: template.name,
      description: template.description,
      templateId: template.id,
      document: instantiated.document,
    });
    unmapped.push(...instantiated.unmapped.map((u) => `${template.name}: ${u.title} (${u.fields.join(', ')})`));
  }
  return { created: true, unmapped };
}
