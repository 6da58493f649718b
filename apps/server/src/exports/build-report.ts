import type { QueryEngine } from '@cdp/analytics';
import type {
  DashboardDataFilter,
  DashboardDocument,
  DashboardPage,
  DataVersionStamp,
  QueryFilterOp,
} from '@cdp/contracts';
import type { ReportInput, ReportOptions, ReportPage } from '@cdp/reports';
import { resolveWidget } from '@cdp/widgets';
import type { Actor } from '../auth/actor.ts';
import { fieldSources } from '../dashboards/field-sources.ts';
import { readerChoices } from '../dashboards/reader-options.ts';
import { withReviewFilter } from '../dashboards/review-filter.ts';
import { filtersForWidget, type PageChoices, runDashboardPage } from '../dashboards/run-dashboard-page.ts';
import { runWidget } from '../dashboards/run-widget.ts';
import { studySettingsOf } from '../dashboards/study-settings.ts';
import { resolverOf, type VersionData } from '../data/version-data.ts';
import type { FoundDashboard } from '../policies/dashboard.ts';
import { isListingWidget, LISTING_CHUNK_ROWS, wholeListing } from './whole-listing.ts';

/**
 * The document with listings' pages opened to their type's largest (`LISTING_CHUNK_ROWS`): an
 * export is not paged by a reader, so it asks for the rows in as few chunks as it can.
 */
export function forExport(document: DashboardDocument): DashboardDocument {
  return {
    ...document,
    pages: document.pages.map((page) => ({
      ...page,
      widgets: Object.fromEntries(
        Object.entries(page.widgets).map(([id, widget]) => {
          const options = widget.options as Record<string, unknown> | undefined;
          if (!options || typeof options.pageSize !== 'number') return [id, widget];
          return [id, { ...widget, options: { ...options, pageSize: LISTING_CHUNK_ROWS } }];
        }),
      ),
    })),
  };
}

function valueText(value: unknown): string {
  if (Array.isArray(value)) return value.map(valueText).join(', ');
  if (value === null) return '(missing)';
  return typeof value === 'string' ? value : JSON.stringify(value);
}

const OPS: Record<QueryFilterOp, string> = {
  eq: '=',
  ne: '≠',
  lt: '<',
  le: '≤',
  gt: '>',
  ge: '≥',
  in: 'is one of',
  nin: 'is none of',
  between: 'between',
  contains: 'contains',
  starts: 'starts with',
  null: 'is missing',
  notnull: 'is not missing',
};

/** "arm is one of Placebo, Xanomeline High Dose": a filter as the cover and notes print it. */
export function describeFilter(filter: DashboardDataFilter): string {
  const op = OPS[filter.op];
  return `${filter.field} ${op} ${valueText(filter.value)}`;
}

/**
 * Every widget of the chosen pages, answered exactly as the screen's `GET …/data` answers them
 * (same resolution, queries, `toTable` and `toChartOption`), placed by the page's grid. Listings
 * hold every row, at most `listingMaxRows` (`EXPORT_LISTING_MAX_ROWS`): a document is never cut
 * at the screen's page.
 */
export async function runPages(
  engine: QueryEngine,
  found: FoundDashboard,
  version: VersionData,
  pages: readonly DashboardPage[],
  filters: readonly DashboardDataFilter[],
  listingMaxRows: number,
  choices?: PageChoices,
  onPage?: (done: number, total: number) => Promise<void>,
): Promise<ReportPage[]> {
  const opened = { ...found, document: forExport(found.document) };
  const sources = fieldSources(version, opened.document);
  const settings = studySettingsOf(found.study, found.reviewQueries);
  const out: ReportPage[] = [];
  for (const [index, page] of pages.entries()) {
    const run = runDashboardPage(engine, opened, version, page.id, filters, choices);
    const answers = await Promise.all(
      run.answers.map(async (pending) => {
        const answer = await pending;
        const widget = opened.document.pages.find((p) => p.id === page.id)?.widgets[answer.id];
        if (!('data' in answer) || !widget || !isListingWidget(widget)) return answer;
        const { review } = choices ? readerChoices(widget, choices.options[answer.id]) : {};
        const chunkAt = async (offset: number) => {
          const resolved = resolveWidget(
            widget,
            resolverOf(version),
            filtersForWidget(filters, answer.id),
            { offset },
            sources,
            settings,
          );
          return runWidget(
            engine,
            version,
            choices ? await withReviewFilter(resolved, review, choices.reviewSets) : resolved,
          );
        };
        return { ...answer, data: await wholeListing(answer.data, chunkAt, listingMaxRows) };
      }),
    );
    const items = new Map(page.layout.map((item) => [item.i, item]));
    out.push({
      id: page.id,
      title: page.title,
      widgets: answers.map((answer) => {
        const widget = page.widgets[answer.id];
        const item = items.get(answer.id);
        return {
          id: answer.id,
          title: widget?.title ?? answer.id,
          type: widget?.type ?? 'unknown',
          layout: { x: item?.x ?? 0, y: item?.y ?? 0, w: item?.w ?? 12, h: item?.h ?? 4 },
          ...('data' in answer
            ? { data: answer.data }
            : { error: { code: answer.error.code, message: answer.error.message } }),
        };
      }),
    });
    await onPage?.(index + 1, pages.length);
  }
  return out;
}

export function reportInput(
  found: FoundDashboard,
  stamp: DataVersionStamp | null,
  version: VersionData,
  actor: Actor,
  pages: ReportPage[],
  filters: readonly DashboardDataFilter[],
  options: ReportOptions,
): ReportInput {
  return {
    study: { code: found.study.code, name: found.study.name },
    dashboard: { name: found.dashboard.row.name },
    dataVersion: {
      label: stamp?.label ?? version.id,
      activatedAt: stamp ? new Date(stamp.activatedAt) : null,
    },
    filters: filters.map(describeFilter),
    generatedBy: `${actor.name} <${actor.email}>`,
    generatedAt: new Date(),
    pages,
    options,
  };
}
