import { createHash } from 'node:crypto';
import { type AppliedFilter, WidgetDataResponse } from '@cdp/contracts';
import { z } from 'zod';
import type { VersionData } from '../data/version-data.ts';

/** Serialized answers kept, at most, in bytes (the least recently used forgotten first). */
const BUDGET_BYTES = 64 * 1024 * 1024;

/** What decides a widget's answer, besides the widget itself (named by dashboard, version and id). */
export interface AnswerQuestion {
  orgId: string;
  dashboard: { id: string; version: number };
  widgetId: string;
  /** The data the reader reads, exactly as protected for them: files, columns, masked and sealed columns. */
  data: VersionData;
  filters: readonly AppliedFilter[];
  view: unknown;
  /** Study settings some widgets draw (planned enrolment). */
  settings: unknown;
  /** The reader's choices on the widget (`?options=`, canonical: `readerOptionsKey`); none on a page. */
  options?: unknown;
}

interface Answer {
  /** The answer as the response serializer writes it, without `meta`, whose `cached` and `ms` change per request. */
  head: string;
  meta: z.output<typeof WidgetDataResponse>['meta'];
}

/**
 * Warm widget answers, serialized once. A warm `GET …/widgets/:wid/data` used to resolve the widget,
 * compile its specs, look each up in the query engine's cache, build its table and chart and run the
 * response through zod again: all to send the same bytes. Here the bytes are kept under a key that
 * names everything the answer depends on: organization, dashboard id and saved version (the widget's
 * definition and the page's other widgets), the data version with its pipeline outputs
 * (`cacheKey`), the reader's view of every dataset (masked and sealed columns: a masked reader never
 * gets a cleared reader's answer), filters, paging and sorting, and study settings.
 *
 * Permission checks are not cached: the route loads the study and dashboard and decides access on
 * every request before it asks here. An answer that read PHI in clear is never kept, because the PHI
 * access log must note every such read (`onRead` runs only when SQL is built).
 */
export class WidgetAnswers {
  private readonly entries = new Map<string, Answer>();
  private bytes = 0;

  constructor(private readonly budgetBytes = BUDGET_BYTES) {}

  /** The key for this question, or null when the answer may not be kept (it reads PHI in clear). */
  keyOf(question: AnswerQuestion): string | null {
    const view = viewOf(question.data);
    if (view === null) return null;
    const parts = [
      question.orgId,
      question.dashboard.id,
      question.dashboard.version,
      question.widgetId,
      question.data.cacheKey ?? question.data.id,
      view,
      question.filters,
      question.view,
      question.settings,
      question.options ?? {},
    ];
    return createHash('sha256').update(JSON.stringify(parts)).digest('base64url');
  }

  /** The kept answer as the response body, marked cached, or undefined. */
  get(key: string, ms: number): string | undefined {
    const answer = this.entries.get(key);
    if (!answer) return undefined;
    this.entries.delete(key);
    this.entries.set(key, answer);
    return bodyOf(answer, { ...answer.meta, cached: true, ms: Math.round(ms * 10) / 10 });
  }

  /**
   * Keeps the answer and gives its body, serialized as the route's response schema would (zod
   * `encode`, then JSON). Undefined when the answer does not fit the schema: the caller then sends the
   * object and the route's serializer reports the problem as it always has.
   */
  set(key: string, answer: unknown): string | undefined {
    const encoded = z.safeEncode(WidgetDataResponse, answer as z.output<typeof WidgetDataResponse>);
    if (!encoded.success) return undefined;
    const { meta, ...rest } = encoded.data as z.output<typeof WidgetDataResponse>;
    const kept: Answer = { head: JSON.stringify(rest), meta };
    const size = kept.head.length * 2;
    if (size <= this.budgetBytes) {
      const before = this.entries.get(key);
      if (before) this.bytes -= before.head.length * 2;
      this.entries.delete(key);
      this.entries.set(key, kept);
      this.bytes += size;
      for (const [oldest, value] of this.entries) {
        if (this.bytes <= this.budgetBytes) break;
        this.entries.delete(oldest);
        this.bytes -= value.head.length * 2;
      }
    }
    return bodyOf(kept, meta);
  }

  get size(): number {
    return this.entries.size;
  }
}

/**
 * The reader's view of every dataset (file, columns with types, masked and sealed columns), digested
 * once per data object: the loader hands the same protected version to every request it fits
 * (`policies/dashboard-data.ts`). Null when a dataset reads PHI in clear (such answers are not kept).
 */
const VIEWS = new WeakMap<VersionData, string | null>();

function viewOf(data: VersionData): string | null {
  const known = VIEWS.get(data);
  if (known !== undefined) return known;
  const datasets = [...data.datasets.values()];
  const view = datasets.some((d) => d.onRead !== undefined)
    ? null
    : createHash('sha256')
        .update(
          JSON.stringify(
            datasets
              .map((d) => [
                d.name.toUpperCase(),
                d.file,
                d.columns.map((c) => `${c.name}:${c.type}${c.masked ? ':masked' : ''}`),
                d.sealed?.columns.map((c) => c.name) ?? [],
              ])
              .sort((a, b) => String(a[0]).localeCompare(String(b[0]))),
          ),
        )
        .digest('base64url');
  VIEWS.set(data, view);
  return view;
}

function bodyOf(answer: Answer, meta: Answer['meta']): string {
  const head = answer.head;
  const separator = head === '{}' ? '' : ',';
  return `${head.slice(0, -1)}${separator}"meta":${JSON.stringify(meta)}}`;
}
