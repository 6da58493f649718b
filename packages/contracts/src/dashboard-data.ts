import { z } from 'zod';
import { Uuid } from './common.ts';
import { AppliedFilter, WidgetDataResponse } from './dashboards.ts';

const WidgetKey = z.string().regex(/^[A-Za-z0-9_-]{1,64}$/, 'an id is 1–64 letters, digits, - or _');

/**
 * A filter of a dashboard view. `src` names the widget whose click made it (a cross-filter): that
 * widget is not filtered by it, so it keeps showing every bar and the reader can click again.
 */
export const DashboardDataFilter = AppliedFilter.extend({ src: WidgetKey.optional() });
export type DashboardDataFilter = z.infer<typeof DashboardDataFilter>;

/** `?filters=[{"field":"arm","op":"in","value":["Placebo"],"src":"ae-by-soc"}]&page=safety` */
export const DashboardDataQuery = z.object({
  filters: z
    .string()
    .max(20_000)
    .optional()
    .transform((v, ctx) => {
      if (!v) return [];
      try {
        return JSON.parse(v) as unknown;
      } catch {
        ctx.addIssue({ code: 'custom', message: 'filters must be JSON' });
        return z.NEVER;
      }
    })
    .pipe(z.array(DashboardDataFilter).max(30)),
  /** The page's id; the first page when absent. */
  page: WidgetKey.optional(),
  /**
   * Widget id → the choices its reader made on it (`options` of `GET …/widgets/:wid/data`: the AE
   * explorer's filters, `review`), so a widget with a choice is answered in the page's one request.
   */
  wo: z
    .string()
    .max(20_000)
    .optional()
    .transform((v, ctx) => {
      if (!v) return {};
      try {
        return JSON.parse(v) as unknown;
      } catch {
        ctx.addIssue({ code: 'custom', message: 'wo must be JSON' });
        return z.NEVER;
      }
    })
    .pipe(z.record(WidgetKey, z.record(z.string().max(64), z.unknown()))),
});

/** One widget's answer: its data as `GET …/widgets/:wid/data` gives it, or why it cannot be drawn. */
export const DashboardWidgetData = z.union([
  z.object({ id: WidgetKey, data: WidgetDataResponse }),
  z.object({
    id: WidgetKey,
    error: z.object({ code: z.string(), message: z.string(), details: z.unknown().optional() }),
  }),
]);
export type DashboardWidgetData = z.infer<typeof DashboardWidgetData>;

/** What the page's answer is about: the saved dashboard version and the data version its numbers come from. */
export const DashboardDataHead = z.object({
  dashboardId: Uuid,
  dashboardVersion: z.number().int(),
  dataVersionId: Uuid,
  page: WidgetKey,
  /** The page's widgets in layout order: the answers below come in this order (as NDJSON, as each is ready). */
  widgetIds: z.array(WidgetKey),
});
export type DashboardDataHead = z.infer<typeof DashboardDataHead>;

export const DashboardPageData = z.object({
  data: DashboardDataHead.extend({ widgets: z.array(DashboardWidgetData) }),
});
export type DashboardPageData = z.infer<typeof DashboardPageData>;

/**
 * `Accept: application/x-ndjson`: one JSON object per line, the head first, then each widget's
 * answer as soon as it is ready (fastest first), so a page can draw while the slow ones still run.
 */
export type DashboardDataLine = ({ type: 'head' } & DashboardDataHead) | ({ type: 'widget' } & DashboardWidgetData);
