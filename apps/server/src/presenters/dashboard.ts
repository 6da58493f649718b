import { createHash } from 'node:crypto';
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

/**
 * `unmappedWidgets` as last computed for the same question: resolving every widget of a document
 * against the version's columns was paid on every read of a dashboard, although its answer depends
 * only on the saved document (organization, dashboard id and saved version: every save is a new
 * version) and on the data as this reader sees it (version, pipeline outputs, every dataset's
 * columns with their types and masking), all named in the key. Nothing else is remembered, so an
 * activation, a roll back, a save or a change of what the reader may see in clear is a new key, and
 * another process computes its own.
 */
const UNMAPPED = new Map<string, Dashboard['unmapped']>();
const UNMAPPED_LIMIT = 500;

function unmappedKey(row: DashboardWithActor['row'], version: VersionData): string {
  const schema = createHash('sha256');
  for (const [key, dataset] of version.datasets) {
    schema.update(`\u0000${key}\u0001${dataset.name}`);
    for (const c of dataset.columns) schema.update(`\u0002${c.name}\u0003${c.type}${c.masked ? '\u0004' : ''}`);
  }
  return JSON.stringify([
    row.orgId,
    row.id,
    row.version,
    row.updatedAt.getTime(),
    version.orgId,
    version.id,
    version.cacheKey ?? null,
    schema.digest('base64url'),
  ]);
}

/** `unmappedWidgets` for a stored dashboard, remembered under everything it depends on (`UNMAPPED`). */
export function keptUnmappedWidgets(
  row: DashboardWithActor['row'],
  document: DashboardDocument,
  version: VersionData | null,
): Dashboard['unmapped'] {
  if (!version) return unmappedWidgets(document, version);
  const key = unmappedKey(row, version);
  const known = UNMAPPED.get(key);
  if (known) {
    UNMAPPED.delete(key);
    UNMAPPED.set(key, known);
    return known;
  }
  const unmapped = unmappedWidgets(document, version);
  for (const item of unmapped) Object.freeze(item);
  Object.freeze(unmapped);
  UNMAPPED.set(key, unmapped);
  if (UNMAPPED.size > UNMAPPED_LIMIT) UNMAPPED.delete(UNMAPPED.keys().next().value as string);
  return unmapped;
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
    unmapped: keptUnmappedWidgets(found.dashboard.row, found.document, version),
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
