import type {
  Dashboard,
  DashboardDocument,
  DashboardSummary,
  DashboardTemplate,
  DashboardVersionEntry,
  DataVersionStamp,
} from '@cdp/contracts';
import { resolveWidget } from '@cdp/widgets';
import type { Actor } from '../auth/actor.ts';
import { pagesOf, readStoredDocument, widgetCount } from '../dashboards/documents.ts';
import { resolverOf, type VersionData } from '../data/version-data.ts';
import { dashboardPermissions, type FoundDashboard, templatePermissions } from '../policies/dashboard.ts';
import type { DashboardVersionRow, DashboardWithActor } from '../repositories/dashboards.repo.ts';
import type { TemplateRow } from '../repositories/templates.repo.ts';
import { type Resource, resource } from './envelope.ts';

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
      const resolved = resolveWidget(widget, resolverOf(version));
      if (resolved.problem) {
        const fields = resolved.report.issues.map((i) => i.field);
        const reason = resolved.problem;
        out.push({ pageId: page.id, widgetId, title: widget.title, fields: [...new Set(fields)], reason });
      }
    }
  }
  return out;
}

/** `document` when the caller has already read (and migrated) the stored one. */
export function presentDashboardSummary(
  { row, updatedBy }: DashboardWithActor,
  document: DashboardDocument = readStoredDocument(row.document),
): DashboardSummary {
  return {
    id: row.id,
    studyId: row.studyId,
    name: row.name,
    description: row.description,
    templateId: row.templateId,
    version: row.version,
    pages: pagesOf(document),
    createdAt: row.createdAt.toISOString(),
    updatedAt: row.updatedAt.toISOString(),
    updatedBy,
  };
}

/** `dataVersion`: the active version as the header names it (source, loaded, activated by). */
export function presentDashboard(
  found: Omit<FoundDashboard, 'study'>,
  version: VersionData | null,
  dataVersion: DataVersionStamp | null,
): Dashboard {
  return {
    ...presentDashboardSummary(found.dashboard, found.document),
    document: found.document,
    unmapped: unmappedWidgets(found.document, version),
    activeVersionId: version?.id ?? null,
    dataVersion: version ? dataVersion : null,
  };
}

export function dashboardResource(
  actor: Actor,
  found: Omit<FoundDashboard, 'study'>,
  version: VersionData | null,
  dataVersion: DataVersionStamp | null,
): Resource<Dashboard> {
  return resource(
    presentDashboard(found, version, dataVersion),
    dashboardPermissions(actor, found.dashboard.row.studyId),
  );
}

export function presentVersionEntry(
  row: DashboardVersionRow,
  userName: string | null,
  document: DashboardDocument,
): DashboardVersionEntry {
  return {
    version: row.version,
    name: row.name,
    comment: row.comment,
    createdAt: row.createdAt.toISOString(),
    createdBy: row.createdBy ? { id: row.createdBy, name: userName ?? '' } : null,
    widgets: widgetCount(document),
  };
}

export function presentTemplate(row: TemplateRow): DashboardTemplate {
  const document = readStoredDocument(row.document);
  return {
    id: row.id,
    name: row.name,
    description: row.description,
    scope: 'organization',
    pages: pagesOf(document),
    document,
    createdAt: row.createdAt.toISOString(),
  };
}

export function templateResource(actor: Actor, template: DashboardTemplate): Resource<DashboardTemplate> {
  return resource(template, templatePermissions(actor, template));
}
