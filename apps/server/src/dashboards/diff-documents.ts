import type { DashboardDiff, DashboardDocument, WidgetDefinition } from '@cdp/contracts';

type Changes = Omit<DashboardDiff, 'from' | 'to' | 'nameChanged'>;

/** Dotted paths where two JSON values differ (objects compared key by key, anything else as a whole). */
function changedPaths(a: unknown, b: unknown, prefix: string, out: string[]): void {
  if (JSON.stringify(a) === JSON.stringify(b)) return;
  const objects = a && b && typeof a === 'object' && typeof b === 'object' && !Array.isArray(a) && !Array.isArray(b);
  if (!objects) {
    out.push(prefix);
    return;
  }
  const keys = new Set([...Object.keys(a as object), ...Object.keys(b as object)]);
  for (const key of [...keys].sort()) {
    changedPaths(
      (a as Record<string, unknown>)[key],
      (b as Record<string, unknown>)[key],
      prefix ? `${prefix}.${key}` : key,
      out,
    );
  }
}

/** What changed between two versions of a dashboard: pages, widgets (definition and place) and filters. */
export function diffDocuments(from: DashboardDocument, to: DashboardDocument): Changes {
  const result: Changes = {
    pages: { added: [], removed: [], renamed: [] },
    widgets: { added: [], removed: [], changed: [], moved: [] },
    filters: { added: [], removed: [] },
  };
  const fromPages = new Map(from.pages.map((p) => [p.id, p]));
  const toPages = new Map(to.pages.map((p) => [p.id, p]));
  for (const page of to.pages) if (!fromPages.has(page.id)) result.pages.added.push(page.title);
  for (const page of from.pages) if (!toPages.has(page.id)) result.pages.removed.push(page.title);

  const locate = (doc: DashboardDocument) => {
    const map = new Map<string, { pageId: string; widget: WidgetDefinition; place: string }>();
    for (const page of doc.pages) {
      for (const [id, widget] of Object.entries(page.widgets)) {
        const item = page.layout.find((l) => l.i === id);
        map.set(id, { pageId: page.id, widget, place: JSON.stringify([page.id, item?.x, item?.y, item?.w, item?.h]) });
      }
    }
    return map;
  };
  const before = locate(from);
  const after = locate(to);
  for (const [id, now] of after) {
    const was = before.get(id);
    if (!was) {
      result.widgets.added.push({ pageId: now.pageId, id, title: now.widget.title });
      continue;
    }
    const paths: string[] = [];
    changedPaths(was.widget, now.widget, '', paths);
    if (paths.length > 0) result.widgets.changed.push({ pageId: now.pageId, id, title: now.widget.title, paths });
    if (was.place !== now.place) result.widgets.moved.push({ pageId: now.pageId, id, title: now.widget.title });
  }
  for (const [id, was] of before)
    if (!after.has(id)) result.widgets.removed.push({ pageId: was.pageId, id, title: was.widget.title });

  for (const page of to.pages) {
    const old = fromPages.get(page.id);
    if (old && old.title !== page.title) result.pages.renamed.push({ id: page.id, from: old.title, to: page.title });
  }
  const fromFilters = new Set(from.filters.map((f) => f.field));
  const toFilters = new Set(to.filters.map((f) => f.field));
  result.filters.added = [...toFilters].filter((f) => !fromFilters.has(f));
  result.filters.removed = [...fromFilters].filter((f) => !toFilters.has(f));
  return result;
}
