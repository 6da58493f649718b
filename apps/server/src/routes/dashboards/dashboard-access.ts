import type { Dashboard, DashboardDocument, Permission } from '@cdp/contracts';
import type { Actor } from '../../auth/actor.ts';
import { readStoredDocument } from '../../dashboards/documents.ts';
import { resolveWidget } from '../../dashboards/resolve-widget.ts';
import { loadVersionData, type VersionData } from '../../dashboards/version-data.ts';
import { notFound } from '../../lib/app-error.ts';
import type { AppContext } from '../../lib/context.ts';
import { type DashboardWithActor, findDashboard, pagesOf } from '../../repositories/dashboards.repo.ts';
import type { StudyRow } from '../../repositories/studies.repo.ts';
import { studyFor } from '../data/study-access.ts';

export interface FoundDashboard {
  study: StudyRow;
  dashboard: DashboardWithActor;
  document: DashboardDocument;
}

/** The dashboard named in the URL, of a study the actor may `permission` on; 404 otherwise. */
export async function dashboardFor(
  ctx: AppContext,
  actor: Actor,
  params: { id: string; did: string },
  permission: Permission,
): Promise<FoundDashboard> {
  const study = await studyFor(ctx, actor, params.id, permission);
  const dashboard = await ctx.database.tenant(actor.orgId, (tx) =>
    findDashboard(tx, actor.orgId, study.id, params.did),
  );
  if (!dashboard) throw notFound('Dashboard');
  return { study, dashboard, document: readStoredDocument(dashboard.row.document) };
}

/** The study's active data version, or null when it has none yet. */
export async function activeVersionData(ctx: AppContext, actor: Actor, study: StudyRow): Promise<VersionData | null> {
  if (!study.activeDataVersionId) return null;
  return loadVersionData(ctx, actor.orgId, study.id, study.activeDataVersionId);
}

/** Widgets whose required fields are not all mapped to the version's columns. */
export function unmappedWidgets(document: DashboardDocument, version: VersionData | null): Dashboard['unmapped'] {
  const out: Dashboard['unmapped'] = [];
  for (const page of document.pages) {
    for (const [widgetId, widget] of Object.entries(page.widgets)) {
      if (!version) {
        out.push({
          pageId: page.id,
          widgetId,
          title: widget.title,
          fields: [],
          reason: 'The study has no active data yet.',
        });
        continue;
      }
      const resolved = resolveWidget(widget, version);
      if (resolved.problem) {
        const fields = resolved.report.issues.map((i) => i.field);
        const reason = resolved.problem;
        out.push({ pageId: page.id, widgetId, title: widget.title, fields: [...new Set(fields)], reason });
      }
    }
  }
  return out;
}

export function presentDashboard(found: Omit<FoundDashboard, 'study'>, version: VersionData | null): Dashboard {
  const { row, updatedBy } = found.dashboard;
  return {
    id: row.id,
    studyId: row.studyId,
    name: row.name,
    description: row.description,
    templateId: row.templateId,
    version: row.version,
    pages: pagesOf(found.document),
    createdAt: row.createdAt.toISOString(),
    updatedAt: row.updatedAt.toISOString(),
    updatedBy,
    document: found.document,
    unmapped: unmappedWidgets(found.document, version),
    activeVersionId: version?.id ?? null,
  };
}
