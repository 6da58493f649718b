import type { DashboardDataLine, WidgetDataResponse } from '@cdp/contracts';
import { afterEach, describe, expect, it, vi } from 'vitest';
import type { WidgetReaderOptions } from '../lib/reader-options.ts';
import { filtersForWidget, type ViewFilter } from '../lib/view-filters.ts';
import { filtersParam, type WidgetDataScope } from './dashboards-api.ts';
import { pageAnswer, startPageData } from './page-data.ts';
import { dashboardTarget } from './prefetch-dashboard.ts';

const STUDY = '0b6a3c1e-0000-4000-8000-000000000001';
const DATA_VERSION = '0b6a3c1e-0000-4000-8000-0000000000aa';

function answer(value: number): WidgetDataResponse {
  return {
    columns: [{ name: 'value', label: 'Value', type: 'integer' }],
    rows: [[value]],
    notes: [],
    meta: { versionId: DATA_VERSION, applied: [], ignored: [], cached: false, ms: 1 },
  };
}

/** The server's NDJSON answer, delivered in chunks that cut lines in two (as a network does). */
function streamed(lines: DashboardDataLine[]): Response {
  const text = lines.map((l) => `${JSON.stringify(l)}\n`).join('');
  const bytes = new TextEncoder().encode(text);
  const body = new ReadableStream<Uint8Array>({
    start(controller) {
      for (let i = 0; i < bytes.length; i += 37) controller.enqueue(bytes.slice(i, i + 37));
      controller.close();
    },
  });
  return new Response(body, { status: 200, headers: { 'content-type': 'application/x-ndjson' } });
}

let dashboardCounter = 0;
/** A dashboard of its own per test: the module keeps page requests for a while. */
function setup(filters: ViewFilter[], wo?: WidgetReaderOptions) {
  dashboardCounter++;
  const dashboardId = `0b6a3c1e-0000-4000-8000-${String(dashboardCounter).padStart(12, '0')}`;
  const requests: string[] = [];
  const fetchMock = vi.fn(async (url: string, init?: RequestInit) => {
    requests.push(`${url} ${(init?.headers as Record<string, string> | undefined)?.accept}`);
    return streamed([
      {
        type: 'head',
        dashboardId,
        dashboardVersion: 3,
        dataVersionId: DATA_VERSION,
        page: 'overview',
        widgetIds: ['a', 'b', 'c', 'd'],
      },
      { type: 'widget', id: 'b', data: answer(2) },
      { type: 'widget', id: 'c', error: { code: 'INTERNAL_ERROR', message: 'The query failed.' } },
      { type: 'widget', id: 'd', error: { code: 'INVALID_QUERY', message: 'The active data has no dataset LB.' } },
      { type: 'widget', id: 'a', data: answer(1) },
    ]);
  });
  vi.stubGlobal('fetch', fetchMock);
  const scope: WidgetDataScope = { studyId: STUDY, dashboardId, version: 3, dataVersionId: DATA_VERSION };
  startPageData({ studyId: STUDY, dashboardId, filters, ...(wo ? { wo } : {}) });
  const param = (widgetId: string) => filtersParam(filtersForWidget(filters, widgetId));
  return { scope, requests, param };
}

afterEach(() => {
  vi.unstubAllGlobals();
});

describe('a dashboard page read in one streamed request', () => {
  it('gives each widget its line, one request for the page, asked as NDJSON with the view filters', async () => {
    const filters: ViewFilter[] = [{ field: 'arm', op: 'in', value: ['Placebo'] }];
    const { scope, requests, param } = setup(filters);
    expect(await pageAnswer(scope, 'a', param('a'))).toEqual(answer(1));
    expect(await pageAnswer(scope, 'b', param('b'))).toEqual(answer(2));
    // Asking again starts nothing new: the same page with the same filters was just read.
    startPageData({ studyId: STUDY, dashboardId: scope.dashboardId, filters });
    expect(requests).toHaveLength(1);
    const [url, accept] = (requests[0] ?? '').split(' ');
    expect(accept).toBe('application/x-ndjson');
    expect(url).toContain(`/api/studies/${STUDY}/dashboards/${scope.dashboardId}/data?`);
    expect(new URL(url ?? '', 'http://x').searchParams.get('filters')).toBe(JSON.stringify(filters));
  });

  it('leaves a widget to ask alone when its line is a server error, it is not on the page, or the versions differ', async () => {
    const { scope, param } = setup([]);
    expect(await pageAnswer(scope, 'c', param('c'))).toBeNull();
    expect(await pageAnswer(scope, 'elsewhere', param('elsewhere'))).toBeNull();
    expect(await pageAnswer({ ...scope, version: 4 }, 'a', param('a'))).toBeNull();
    expect(await pageAnswer({ ...scope, dataVersionId: STUDY }, 'a', param('a'))).toBeNull();
  });

  it('answers a widget the data cannot draw with its reason, without asking again (a 400 in the console)', async () => {
    const { scope, requests, param } = setup([]);
    await expect(pageAnswer(scope, 'd', param('d'))).rejects.toMatchObject({
      name: 'ApiError',
      status: 400,
      code: 'INVALID_QUERY',
      message: 'The active data has no dataset LB.',
    });
    expect(requests).toHaveLength(1);
  });

  it('matches a widget by the filters that apply to it: a cross-filter does not apply to the widget that made it', async () => {
    const filters: ViewFilter[] = [
      { field: 'arm', op: 'in', value: ['Placebo'] },
      { field: 'ae_body_system', op: 'in', value: ['CARDIAC DISORDERS'], src: 'b' },
    ];
    const { scope } = setup(filters);
    const armOnly = filtersParam([{ field: 'arm', op: 'in', value: ['Placebo'] }]);
    const both = filtersParam(filtersForWidget(filters, 'a'));
    expect(await pageAnswer(scope, 'b', armOnly)).toEqual(answer(2));
    expect(await pageAnswer(scope, 'a', both)).toEqual(answer(1));
    // Widget a with other filters than the page was read with: not this page's answer.
    expect(await pageAnswer(scope, 'a', armOnly)).toBeNull();
  });
});

describe('a page read with the choices made on its widgets (wo)', () => {
  it('sends them in the one request and answers each widget only for its own choices', async () => {
    const { scope, requests, param } = setup([], { b: { review: 'not_reviewed' }, a: { severity: [] } });
    const sent = new URL((requests[0] ?? '').split(' ')[0] ?? '', 'http://x').searchParams.get('wo');
    // Compacted: a's empty choice is no choice, so only b's goes.
    expect(sent).toBe('{"b":{"review":"not_reviewed"}}');
    expect(await pageAnswer(scope, 'b', param('b'), '{"review":"not_reviewed"}')).toEqual(answer(2));
    expect(await pageAnswer(scope, 'a', param('a'))).toEqual(answer(1));
    // Another choice on b (made after the page was read) is b's own request.
    expect(await pageAnswer(scope, 'b', param('b'), '{"review":"reviewed"}')).toBeNull();
    expect(await pageAnswer(scope, 'b', param('b'))).toBeNull();
    // A new choice does not start the page again.
    startPageData({ studyId: STUDY, dashboardId: scope.dashboardId, filters: [], wo: { b: { review: 'reviewed' } } });
    expect(requests).toHaveLength(1);
  });
});

describe('dashboardTarget', () => {
  it.each([
    {
      location: { pathname: `/studies/${STUDY}/dashboards/d-1`, search: '' },
      target: { studyId: STUDY, dashboardId: 'd-1', filters: [] },
    },
    {
      location: {
        pathname: `/studies/${STUDY}/dashboards/d-1/`,
        search: `?page=safety&f=${encodeURIComponent('[{"field":"age","op":"ge","value":40,"src":"w"}]')}`,
      },
      target: {
        studyId: STUDY,
        dashboardId: 'd-1',
        page: 'safety',
        filters: [{ field: 'age', op: 'ge', value: 40, src: 'w' }],
      },
    },
    {
      location: { pathname: `/studies/${STUDY}/dashboards/d-1`, search: '?page=%3Cscript%3E&f=not-json' },
      target: { studyId: STUDY, dashboardId: 'd-1', filters: [] },
    },
    {
      location: {
        pathname: `/studies/${STUDY}/dashboards/d-1`,
        search: `?wo=${encodeURIComponent('{"subject-listing":{"review":"changed"},"<x>":{"a":1},"y":"no"}')}`,
      },
      target: { studyId: STUDY, dashboardId: 'd-1', filters: [], wo: { 'subject-listing': { review: 'changed' } } },
    },
    { location: { pathname: `/studies/${STUDY}/dashboards`, search: '' }, target: null },
    { location: { pathname: `/studies/${STUDY}/dashboards/d-1/edit`, search: '' }, target: null },
  ])('$location.pathname$location.search', ({ location, target }) => {
    expect(dashboardTarget(location)).toEqual(target);
  });
});
