import type { DashboardDataHead, DashboardDataLine, WidgetDataResponse } from '@cdp/contracts';
import { apiResponse } from '../../../lib/api-client.ts';
import { ApiError } from '../../../lib/api-error.ts';
import { readerOptionsParam, type WidgetReaderOptions } from '../lib/reader-options.ts';
import { filtersForWidget, type ViewFilter } from '../lib/view-filters.ts';
import { dashboardPath, filtersParam, type WidgetDataScope } from './dashboards-api.ts';

/**
 * One request for a whole dashboard page (`GET …/dashboards/:did/data`, streamed as NDJSON) in
 * place of one per widget: a browser opens only 6 connections to a host, so 12 widget requests go
 * in two waves, and each pays the server's sign-in and permission checks again. The widgets'
 * own queries stay as they are: their query function asks `pageAnswer` first, which waits for
 * the widget's line of a page request already under way, and falls back to the per-widget
 * request when there is none, the line is an error a new request may not repeat (the per-widget
 * request reports it as usual) or the page was read for another dashboard or data version. A
 * widget the data cannot draw (`INVALID_QUERY`: "The active data has no dataset LB") is answered
 * from its line: asking again would only log a 400 in the browser's console on every visit.
 */

interface Target {
  studyId: string;
  dashboardId: string;
  page?: string;
  filters: readonly ViewFilter[];
  /** The URL's choices made on widgets (`wo`): the page answers each widget with its own. */
  wo?: WidgetReaderOptions;
}

interface PageFetch {
  target: Target;
  startedAt: number;
  head: Promise<DashboardDataHead | null>;
  widgets: Map<string, Deferred>;
  done: boolean;
}

type Answer = WidgetDataResponse | ApiError | null;

interface Deferred {
  promise: Promise<Answer>;
  resolve: (value: Answer) => void;
}

/** As long as a widget's answer stays fresh in the query cache (`staleTime` of widget data). */
const KEEP_MS = 5 * 60_000;
const MAX_KEPT = 20;
const fetches: PageFetch[] = [];

function deferred(): Deferred {
  let resolve: Deferred['resolve'] = () => undefined;
  const promise = new Promise<Answer>((r) => {
    resolve = r;
  });
  return { promise, resolve };
}

function widgetOf(fetch: PageFetch, widgetId: string): Deferred {
  let entry = fetch.widgets.get(widgetId);
  if (!entry) {
    entry = deferred();
    // Asked for after the stream ended: that page had no answer for it.
    if (fetch.done) entry.resolve(null);
    fetch.widgets.set(widgetId, entry);
  }
  return entry;
}

const sameTarget = (a: Target, b: Target) =>
  a.studyId === b.studyId &&
  a.dashboardId === b.dashboardId &&
  (a.page ?? '') === (b.page ?? '') &&
  JSON.stringify(a.filters) === JSON.stringify(b.filters);

/** The page request's `wo`: each widget's compacted choices, '' when none. */
function woParam(wo: WidgetReaderOptions | undefined): string {
  const kept = Object.entries(wo ?? {})
    .map(([id, options]) => [id, readerOptionsParam(options)] as const)
    .filter(([, options]) => options !== '')
    .sort(([a], [b]) => (a < b ? -1 : 1));
  return kept.length > 0 ? `{${kept.map(([id, options]) => `${JSON.stringify(id)}:${options}`).join(',')}}` : '';
}

function forget(now: number) {
  for (let i = fetches.length - 1; i >= 0; i--) {
    const fetch = fetches[i];
    if (fetch && (now - fetch.startedAt > KEEP_MS || i < fetches.length - MAX_KEPT)) fetches.splice(i, 1);
  }
}

/** Reads NDJSON lines as they arrive. */
async function* lines(body: ReadableStream<Uint8Array>): AsyncGenerator<DashboardDataLine> {
  const reader = body.getReader();
  const decoder = new TextDecoder();
  let buffer = '';
  for (;;) {
    const { value, done } = await reader.read();
    buffer += decoder.decode(value, { stream: !done });
    let end = buffer.indexOf('\n');
    while (end >= 0) {
      const line = buffer.slice(0, end).trim();
      buffer = buffer.slice(end + 1);
      if (line) yield JSON.parse(line) as DashboardDataLine;
      end = buffer.indexOf('\n');
    }
    if (done) break;
  }
  if (buffer.trim()) yield JSON.parse(buffer) as DashboardDataLine;
}

async function read(fetch: PageFetch): Promise<DashboardDataHead | null> {
  const { studyId, dashboardId, page, filters, wo } = fetch.target;
  const param = filters.length > 0 ? JSON.stringify(filters) : '';
  const choices = woParam(wo);
  let head: DashboardDataHead | null = null;
  let announce: (value: DashboardDataHead | null) => void = () => undefined;
  fetch.head = new Promise((resolve) => {
    announce = resolve;
  });
  try {
    const response = await apiResponse(`${dashboardPath(studyId, dashboardId)}/data`, {
      query: { filters: param, page, ...(choices ? { wo: choices } : {}) },
      accept: 'application/x-ndjson',
    });
    if (!response.body) throw new Error('the page data came without a body');
    for await (const line of lines(response.body)) {
      if (line.type === 'head') {
        const { type: _type, ...rest } = line;
        head = rest;
        announce(head);
      } else if ('data' in line) {
        widgetOf(fetch, line.id).resolve(line.data);
      } else if (line.error.code === 'INVALID_QUERY') {
        // The status the widget's own request answers with: the definition, not the server, is at fault.
        widgetOf(fetch, line.id).resolve(new ApiError(400, line.error.code, line.error.message, line.error.details));
      }
    }
  } catch {
    // The widgets ask for themselves and show what went wrong.
  } finally {
    fetch.done = true;
    announce(head);
    for (const entry of fetch.widgets.values()) entry.resolve(null);
  }
  return head;
}

/**
 * Starts reading a dashboard page's data unless the same page with the same filters is being (or
 * was recently) read. Needs no dashboard document: the server knows the page's widgets. The
 * widgets' choices (`wo`) are sent with it but do not make another page request: a choice changed
 * later is that one widget's own request (`pageAnswer` matches on it).
 */
export function startPageData(target: Target): void {
  const now = Date.now();
  forget(now);
  if (fetches.some((f) => sameTarget(f.target, target))) return;
  const fetch: PageFetch = {
    target: { ...target, filters: [...target.filters], ...(target.wo ? { wo: { ...target.wo } } : {}) },
    startedAt: now,
    head: Promise.resolve(null),
    widgets: new Map(),
    done: false,
  };
  fetches.push(fetch);
  void read(fetch);
}

/**
 * A widget's answer from a page request under way (or just finished) with the same filters for it,
 * or null when there is none: the caller then asks for the widget alone.
 */
export async function pageAnswer(
  scope: WidgetDataScope,
  widgetId: string,
  param: string,
  options = '',
): Promise<WidgetDataResponse | null> {
  const candidates = fetches.filter(
    (f) =>
      f.target.studyId === scope.studyId &&
      f.target.dashboardId === scope.dashboardId &&
      filtersParam(filtersForWidget(f.target.filters, widgetId)) === param &&
      readerOptionsParam(f.target.wo?.[widgetId]) === options,
  );
  for (const fetch of candidates.reverse()) {
    const head = await fetch.head;
    if (!head?.widgetIds.includes(widgetId)) continue;
    if (head.dashboardVersion !== scope.version || head.dataVersionId !== scope.dataVersionId) continue;
    const answer = await widgetOf(fetch, widgetId).promise;
    if (answer instanceof ApiError) throw answer;
    if (answer) return answer;
  }
  return null;
}
