import type { QueryEngine } from '@cdp/analytics';
import type {
  AppliedFilter,
  DashboardDataFilter,
  DashboardDataHead,
  DashboardWidgetData,
  WidgetDataResponse,
} from '@cdp/contracts';
import { readerOptionsKey, resolveWidget } from '@cdp/widgets';
import { resolverOf, type VersionData } from '../data/version-data.ts';
import { AppError, notFound } from '../lib/app-error.ts';
import type { FoundDashboard } from '../policies/dashboard.ts';
import { fieldSources } from './field-sources.ts';
import { readerChoices, type SubjectReviewStatus, type WidgetReaderOptions } from './reader-options.ts';
import { type ReviewSets, withReviewFilter } from './review-filter.ts';
import { runWidget } from './run-widget.ts';
import { studySettingsOf } from './study-settings.ts';
import type { WidgetAnswers } from './widget-answers.ts';

/**
 * The choices readers made on the page's widgets (widget id → `options`), and how a review-status
 * choice becomes a subject set for this reader; none: every widget as saved.
 */
export interface PageChoices {
  options: WidgetReaderOptions;
  reviewSets: ReviewSets;
}

export interface PageRun {
  head: DashboardDataHead;
  /** One per widget, in layout order. Each settles with the widget's answer or the reason it has none. */
  answers: Promise<DashboardWidgetData>[];
}

/** What one widget is filtered by: every filter of the view except the cross-filters it made itself. */
export function filtersForWidget(filters: readonly DashboardDataFilter[], widgetId: string): AppliedFilter[] {
  return filters.filter((f) => f.src !== widgetId).map(({ field, op, value }) => ({ field, op, value }));
}

/**
 * Every widget of one page of a dashboard at once, exactly as `GET …/widgets/:wid/data` answers
 * each (first page of a listing, default sort). They share the query engine's cache and its
 * single-flight, so widgets asking the same question (a count of subjects under the same filter)
 * run it once. A widget that cannot be drawn answers its error in place; the others are unaffected.
 */
export function runDashboardPage(
  engine: QueryEngine,
  found: FoundDashboard,
  version: VersionData,
  pageId: string | undefined,
  filters: readonly DashboardDataFilter[],
  choices?: PageChoices,
): PageRun {
  return planPage(engine, found, version, pageId, filters, choices, (id, compute) =>
    compute().then((data): DashboardWidgetData => ({ id, data })),
  );
}

/** A widget's answer already serialized (the JSON of its `WidgetDataResponse`), or as `runDashboardPage` gives it. */
export type PageWidgetAnswer = DashboardWidgetData | { id: string; body: string };

export interface KeptPageRun {
  head: DashboardDataHead;
  answers: Promise<PageWidgetAnswer>[];
}

/**
 * `runDashboardPage` for a reader, through the kept widget answers (`WidgetAnswers`): the key is
 * the one `GET …/widgets/:wid/data` uses with the widget's filters and the first page
 * (`{offset: 0}`), so a page and its widgets warm each other and a warm page costs no DuckDB work.
 * The same PHI rule holds: an answer that reads PHI in clear has no key, so it is computed, and
 * its read logged, every time.
 */
export function runKeptDashboardPage(
  engine: QueryEngine,
  kept: { answers: WidgetAnswers; orgId: string },
  found: FoundDashboard,
  version: VersionData,
  pageId: string | undefined,
  filters: readonly DashboardDataFilter[],
  choices?: PageChoices,
): KeptPageRun {
  const started = performance.now();
  const { row } = found.dashboard;
  // The query-rate KRI's counts are part of the settings, so a new or closed query is a new key.
  const settings = studySettingsOf(found.study, found.reviewQueries);
  return planPage(engine, found, version, pageId, filters, choices, async (id, compute, widgetFilters, chosen) => {
    // The same key as the widget route's for the same choices; a review filter's answer is never kept.
    const key = chosen.review
      ? null
      : kept.answers.keyOf({
          orgId: kept.orgId,
          dashboard: { id: row.id, version: row.version },
          widgetId: id,
          data: version,
          filters: widgetFilters,
          view: FIRST_PAGE,
          settings,
          ...(chosen.options ? { options: readerOptionsKey(chosen.options) } : {}),
        });
    const body = key ? kept.answers.get(key, performance.now() - started) : undefined;
    if (body) return { id, body };
    const data = await compute();
    const made = key ? kept.answers.set(key, data) : undefined;
    return made ? { id, body: made } : { id, data };
  });
}

/** The view of a page's widgets: the first page of a listing, default sort (`GET …/widgets/:wid/data` without offset or sort). */
const FIRST_PAGE = { offset: 0 };

/** The page's head and, per widget, `answer` given the widget's computation; an AppError becomes the widget's error. */
function planPage<T extends PageWidgetAnswer>(
  engine: QueryEngine,
  found: FoundDashboard,
  version: VersionData,
  pageId: string | undefined,
  filters: readonly DashboardDataFilter[],
  choices: PageChoices | undefined,
  answer: (
    id: string,
    compute: () => Promise<WidgetDataResponse>,
    widgetFilters: AppliedFilter[],
    chosen: { options?: Record<string, unknown>; review?: SubjectReviewStatus },
  ) => Promise<T>,
): { head: DashboardDataHead; answers: Promise<T | DashboardWidgetData>[] } {
  const { document, dashboard, study } = found;
  const page = pageId === undefined ? document.pages[0] : document.pages.find((p) => p.id === pageId);
  if (!page) throw notFound(pageId === undefined ? 'A page of this dashboard' : `Page ${pageId}`);
  const options = choices?.options ?? {};
  const unknown = Object.keys(options).filter((id) => !document.pages.some((p) => p.widgets[id]));
  if (unknown.length > 0) {
    throw new AppError(
      'VALIDATION_FAILED',
      `wo: this dashboard has no widget ${unknown.map((id) => `"${id}"`).join(', ')}`,
      {
        field: 'wo',
      },
    );
  }
  const sources = fieldSources(version, document);
  const settings = studySettingsOf(study, found.reviewQueries);
  const resolver = resolverOf(version);
  const widgetIds = page.layout.map((item) => item.i).filter((id) => page.widgets[id] !== undefined);
  // One turn in the engine's queue for the whole page: its widgets finish before a later page's start.
  const ticket = engine.ticket();
  const answers = widgetIds.map(async (id): Promise<T | DashboardWidgetData> => {
    const widget = page.widgets[id];
    try {
      if (!widget) throw notFound(`Widget ${id}`);
      const widgetFilters = filtersForWidget(filters, id);
      const own = options[id];
      const chosen = own && Object.keys(own).length > 0 ? readerChoices(widget, own) : { widget };
      const compute = async () => {
        const resolved = resolveWidget(chosen.widget, resolver, widgetFilters, { ...FIRST_PAGE }, sources, settings);
        const filtered = choices ? await withReviewFilter(resolved, chosen.review, choices.reviewSets) : resolved;
        return runWidget(engine, version, filtered, ticket);
      };
      return await answer(id, compute, widgetFilters, {
        ...(own && Object.keys(own).length > 0 ? { options: own } : {}),
        ...(chosen.review ? { review: chosen.review } : {}),
      });
    } catch (error) {
      if (!(error instanceof AppError)) throw error;
      return {
        id,
        error: { code: error.code, message: error.message, ...(error.details ? { details: error.details } : {}) },
      };
    }
  });
  return {
    head: {
      dashboardId: dashboard.row.id,
      dashboardVersion: dashboard.row.version,
      dataVersionId: version.id,
      page: page.id,
      widgetIds,
    },
    answers,
  };
}
