import { type QueryEngine, QueryError } from '@cdp/analytics';
import type { QueryResult, WidgetDataResponse } from '@cdp/contracts';
import type { ResolvedWidget } from '@cdp/widgets';
import { scopeSpec, WidgetError } from '@cdp/widgets';
import { resolverOf, type VersionData } from '../data/version-data.ts';
import { AppError } from '../lib/app-error.ts';
import { duckdbQuerySeconds, queryCacheTotal } from '../lib/metrics.ts';

/** A widget that cannot be drawn as defined: a 422 whose message the widget shows in its error state. */
export function widgetProblem(message: string, details?: unknown): AppError {
  return new AppError('INVALID_QUERY', message, details);
}

/**
 * Runs a resolved widget: its type's queries in parallel (each cached by version and spec), then
 * `toTable` and, for charts, `toChartOption`. The same numbers serve the screen, exports and the API.
 * `ticket`: the page request's turn in the engine's queue (`QueryEngine.ticket`), so a page's widgets
 * finish before a later page's start; a widget asked for alone takes its own.
 */
export async function runWidget(
  engine: QueryEngine,
  version: VersionData,
  resolved: ResolvedWidget,
  ticket = engine.ticket(),
): Promise<WidgetDataResponse> {
  const { type, ctx } = resolved;
  if (!type || !ctx)
    throw widgetProblem(resolved.problem ?? 'This widget cannot be drawn.', { report: resolved.report });
  const started = performance.now();
  try {
    const subject = ctx.fields.subject_id?.column;
    const specs = Object.entries(type.buildQueries(ctx)).map(
      ([name, spec]) =>
        [
          name,
          subject ? scopeSpec(resolverOf(version), spec, resolved.scope, subject, resolved.subjects) : spec,
        ] as const,
    );
    const resolver = resolverOf(version);
    const runs = await Promise.all(
      specs.map(([, spec]) => engine.run(spec, resolver, { cacheKey: version.cacheKey ?? version.id, ticket })),
    );
    for (const run of runs) {
      queryCacheTotal.inc({ result: run.cached ? 'hit' : 'miss' });
      if (!run.cached) duckdbQuerySeconds.observe(run.ms / 1000);
    }
    const results: Record<string, QueryResult> = {};
    specs.forEach(([name], i) => {
      const run = runs[i];
      if (run) results[name] = run.result;
    });
    const table = type.toTable(results, ctx);
    const chart = type.toChartOption?.(table, ctx.options);
    return {
      columns: table.columns,
      rows: table.rows,
      ...(table.total !== undefined ? { total: table.total } : {}),
      ...(chart ? { chart } : {}),
      ...(table.metric ? { metric: table.metric } : {}),
      notes: table.notes ?? [],
      ...(table.otherCategories !== undefined ? { otherCategories: table.otherCategories } : {}),
      ...(table.controls ? { controls: table.controls } : {}),
      meta: {
        versionId: version.id,
        applied: resolved.applied,
        ignored: resolved.ignored,
        cached: runs.every((r) => r.cached),
        ms: Math.round((performance.now() - started) * 10) / 10,
      },
    };
  } catch (error) {
    if (error instanceof QueryError || error instanceof WidgetError) throw widgetProblem(error.message);
    throw error;
  }
}
