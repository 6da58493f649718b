import type { DashboardDocument, DashboardPage, LayoutItem, WidgetDefinition } from '@cdp/contracts';
import { compactLayout, firstFreePlace } from './grid-layout.ts';

/**
 * Pure edits of a dashboard document. Each returns a new document (the builder's undo history keeps
 * the old ones) and leaves the layout compacted, so the document says exactly what the grid shows.
 */

export type Place = Pick<LayoutItem, 'x' | 'y' | 'w' | 'h'>;

const ALPHABET = 'abcdefghijklmnopqrstuvwxyz0123456789';

function randomSuffix(): string {
  const bytes = crypto.getRandomValues(new Uint8Array(8));
  return Array.from(bytes, (b) => ALPHABET[b % ALPHABET.length]).join('');
}

/** Every id in use: widget ids must be unique across pages, page ids within the document. */
export function takenIds(doc: DashboardDocument): Set<string> {
  const ids = new Set<string>();
  for (const page of doc.pages) {
    ids.add(page.id);
    for (const id of Object.keys(page.widgets)) ids.add(id);
  }
  return ids;
}

export function newId(prefix: 'w' | 'p', taken: Set<string>): string {
  for (;;) {
    const id = `${prefix}-${randomSuffix()}`;
    if (!taken.has(id)) return id;
  }
}

/** `doc` itself when the edit changed nothing, so the undo history can skip it. */
function mapPage(doc: DashboardDocument, pageId: string, edit: (page: DashboardPage) => DashboardPage) {
  let changed = false;
  const pages = doc.pages.map((page) => {
    if (page.id !== pageId) return page;
    const next = edit(page);
    changed ||= next !== page;
    return next;
  });
  return changed ? { ...doc, pages } : doc;
}

export function findWidget(doc: DashboardDocument, widgetId: string) {
  for (const page of doc.pages) {
    const widget = page.widgets[widgetId];
    if (widget) return { page, widget };
  }
  return null;
}

/** Adds a widget at `place`; `place` without x/y puts it at the first free place of the page. */
export function addWidget(
  doc: DashboardDocument,
  pageId: string,
  widgetId: string,
  widget: WidgetDefinition,
  place: Pick<Place, 'w' | 'h'> & Partial<Pick<Place, 'x' | 'y'>>,
): DashboardDocument {
  return mapPage(doc, pageId, (page) => {
    const w = Math.min(Math.max(place.w, 1), 12);
    const at = place.x !== undefined && place.y !== undefined ? place : firstFreePlace(page.layout, place);
    const x = Math.min(Math.max(at.x ?? 0, 0), 12 - w);
    return {
      ...page,
      widgets: { ...page.widgets, [widgetId]: widget },
      layout: compactLayout([...page.layout, { i: widgetId, x, y: at.y ?? 0, w, h: Math.max(place.h, 1) }]),
    };
  });
}

export function updateWidget(
  doc: DashboardDocument,
  widgetId: string,
  edit: (widget: WidgetDefinition) => WidgetDefinition,
): DashboardDocument {
  const found = findWidget(doc, widgetId);
  if (!found) return doc;
  const next = edit(found.widget);
  if (next === found.widget) return doc;
  return mapPage(doc, found.page.id, (page) => ({ ...page, widgets: { ...page.widgets, [widgetId]: next } }));
}

export function removeWidget(doc: DashboardDocument, widgetId: string): DashboardDocument {
  const found = findWidget(doc, widgetId);
  if (!found) return doc;
  return mapPage(doc, found.page.id, (page) => {
    const { [widgetId]: _removed, ...widgets } = page.widgets;
    return { ...page, widgets, layout: compactLayout(page.layout.filter((item) => item.i !== widgetId)) };
  });
}

/** A copy of the widget with the same size, right of the original when it fits there, else the first free place. */
export function duplicateWidget(doc: DashboardDocument, widgetId: string, copyId: string): DashboardDocument {
  const found = findWidget(doc, widgetId);
  const item = found?.page.layout.find((l) => l.i === widgetId);
  if (!found || !item) return doc;
  const copy: WidgetDefinition = { ...structuredClone(found.widget), title: copyTitle(found.widget.title) };
  const right = { x: item.x + item.w, y: item.y, w: item.w, h: item.h };
  const fitsRight =
    right.x + right.w <= 12 &&
    !found.page.layout.some(
      (l) => l.x < right.x + right.w && right.x < l.x + l.w && l.y < right.y + right.h && right.y < l.y + l.h,
    );
  return addWidget(doc, found.page.id, copyId, copy, fitsRight ? right : { w: item.w, h: item.h });
}

function copyTitle(title: string): string {
  const copy = `${title} (copy)`;
  return copy.length <= 200 ? copy : title;
}

/** The grid's layout after a drag or resize; ids the page does not hold are ignored. */
export function setPageLayout(doc: DashboardDocument, pageId: string, layout: readonly LayoutItem[]) {
  return mapPage(doc, pageId, (page) => {
    const next = compactLayout(layout.filter((item) => page.widgets[item.i]));
    const same =
      next.length === page.layout.length &&
      next.every((item, n) => {
        const old = page.layout[n];
        return old && old.i === item.i && old.x === item.x && old.y === item.y && old.w === item.w && old.h === item.h;
      });
    return same ? page : { ...page, layout: next };
  });
}

export function addPage(doc: DashboardDocument, pageId: string, title: string): DashboardDocument {
  return { ...doc, pages: [...doc.pages, { id: pageId, title, layout: [], widgets: {} }] };
}

export function renamePage(doc: DashboardDocument, pageId: string, title: string): DashboardDocument {
  return mapPage(doc, pageId, (page) => (page.title === title ? page : { ...page, title }));
}

/** A dashboard keeps at least one page: removing the last one does nothing. */
export function removePage(doc: DashboardDocument, pageId: string): DashboardDocument {
  if (doc.pages.length <= 1) return doc;
  return { ...doc, pages: doc.pages.filter((page) => page.id !== pageId) };
}

/** "Page 3", or the next number not taken by another page's title. */
export function nextPageTitle(doc: DashboardDocument): string {
  const titles = new Set(doc.pages.map((page) => page.title));
  let n = doc.pages.length + 1;
  while (titles.has(`Page ${n}`)) n++;
  return `Page ${n}`;
}
