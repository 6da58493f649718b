import { DashboardDocument } from '@cdp/contracts';
import type { Snapshot } from '../hooks/use-edit-history.ts';
import { humanize } from './options-schema.ts';

export interface SaveProblem {
  message: string;
  /** The widget to select so the user sees the field at fault. */
  widgetId?: string;
  pageId?: string;
}

/**
 * What would make the server refuse this save, found before sending it, in words that name the widget
 * and field: the document is checked with the same contract the server uses.
 */
export function saveProblem(snapshot: Snapshot): SaveProblem | null {
  if (!snapshot.name.trim()) return { message: 'Give the dashboard a name before saving.' };
  const result = DashboardDocument.safeParse(snapshot.document);
  if (result.success) return null;
  const issue = result.error.issues[0];
  if (!issue) return null;
  const path = issue.path.map(String);
  const pageIndex = path[0] === 'pages' ? Number(path[1]) : Number.NaN;
  const page = Number.isInteger(pageIndex) ? snapshot.document.pages[pageIndex] : undefined;
  const at = path.indexOf('widgets');
  const widgetId = at >= 0 ? path[at + 1] : undefined;
  const widget = widgetId ? page?.widgets[widgetId] : undefined;
  if (page && widgetId && widget) {
    const field = path.slice(at + 2).filter((part) => part !== 'data');
    const what = field.length > 0 ? field.map(humanize).join(' › ') : 'Widget';
    return {
      message: `“${widget.title.trim() || 'Untitled widget'}” on ${page.title}: ${what}: ${issue.message}`,
      widgetId,
      pageId: page.id,
    };
  }
  return { message: `${page ? `${page.title}: ` : ''}${issue.message}`, pageId: page?.id };
}
