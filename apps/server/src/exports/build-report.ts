import type { QueryEngine } from '@cdp/analytics';
import type {
  DashboardDataFilter,
  DashboardDocument,
  DashboardPage,
  DataVersionStamp,
  QueryFilterOp,
} from '@cdp/contracts';
import type { ReportInput, ReportOptions, ReportPage } from '@cdp/reports';
import type { Actor } from '../auth/actor.ts';
import { runDashboardPage } from '../dashboards/run-dashboard-page.ts';
import type { VersionData } from '../data/version-data.ts';
import type { FoundDashboard } from '../policies/dashboard.ts';

/** Listings print every row the widget type allows (its `pageSize` at most), not the screen's first page. */
const LISTING_ROWS = 1000;

/** The document with listings opened up to `LISTING_ROWS`: an export is not paged by the reader. */
export function forExport(document: DashboardDocument): DashboardDocument {
  return {
    ...document,
    pages: document.pages.map((page) => ({
      ...page,
      widgets: Object.fromEntries(
        Object.entries(page.widgets).map(([id, widget]) => {
          const options = widget.options as Record<string, unknown> | undefined;
          if (!options || typeof options.pageSize !== 'number') return [id, widget];
          return [id, { ...widget, options: { ...options, pageSize: LISTING_ROWS } }];
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
 * (same resolution, queries, `toTable` and `toChartOption`), placed by the page's grid.
 */
export async function runPages(
  engine: QueryEngine,
  found: FoundDashboard,
  version: VersionData,
  pages: readonly DashboardPage[],
  filters: readonly DashboardDataFilter[],
  onPage?: (done: number, total: number) => Promise<void>,
): Promise<ReportPage[]> {
  const opened = { ...found, document: forExport(found.document) };
  const out: ReportPage[] = [];
  for (const [index, page] of pages.entries()) {
    const run = runDashboardPage(engine, opened, version, page.id, filters);
    const answers = await Promise.all(run.answers);
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
