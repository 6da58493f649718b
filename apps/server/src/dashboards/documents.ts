import type { DashboardDocument, DashboardSummary } from '@cdp/contracts';
import { DocumentVersionError, migrateDocument, widgetType } from '@cdp/widgets';
import { ZodError } from 'zod';
import { AppError } from '../lib/app-error.ts';

/**
 * A dashboard document from a request or the database, moved to the current schemaVersion and
 * checked: an invalid one is a 400 whose issues name the path (`body.document.pages.0.widgets.x.type`).
 */
export function parseDocument(raw: unknown, path = 'body.document'): DashboardDocument {
  let document: DashboardDocument;
  try {
    document = migrateDocument(raw);
  } catch (error) {
    if (error instanceof DocumentVersionError) {
      throw new AppError('VALIDATION_FAILED', `The dashboard document cannot be read: ${error.message}.`, {
        issues: [{ path: `${path}.schemaVersion`, message: error.message }],
      });
    }
    if (error instanceof ZodError) {
      const issues = error.issues.map((issue) => ({ path: [path, ...issue.path].join('.'), message: issue.message }));
      throw new AppError(
        'VALIDATION_FAILED',
        `The dashboard document is not valid: ${issues[0]?.path}: ${issues[0]?.message}.`,
        { issues },
      );
    }
    throw error;
  }
  const unknown: Array<{ path: string; message: string }> = [];
  document.pages.forEach((page, p) => {
    for (const [id, widget] of Object.entries(page.widgets)) {
      if (!widgetType(widget.type)) {
        unknown.push({
          path: `${path}.pages.${p}.widgets.${id}.type`,
          message: `unknown widget type "${widget.type}"`,
        });
      }
    }
  });
  if (unknown.length > 0) {
    throw new AppError(
      'VALIDATION_FAILED',
      `The dashboard document is not valid: ${unknown[0]?.path}: ${unknown[0]?.message}.`,
      {
        issues: unknown,
      },
    );
  }
  return document;
}

/** A stored document (already valid when saved), moved to the current schemaVersion on read. */
export function readStoredDocument(stored: unknown): DashboardDocument {
  return migrateDocument(stored);
}

export function pagesOf(document: DashboardDocument): DashboardSummary['pages'] {
  return document.pages.map((p) => ({ id: p.id, title: p.title, widgets: Object.keys(p.widgets).length }));
}

export function widgetCount(document: DashboardDocument): number {
  return document.pages.reduce((n, p) => n + Object.keys(p.widgets).length, 0);
}

/** A new dashboard with one empty page. */
export function blankDocument(): DashboardDocument {
  return parseDocument({
    schemaVersion: 2,
    filters: [],
    pages: [{ id: 'page-1', title: 'Page 1', layout: [], widgets: {} }],
  });
}
