import { type QueryEngine, QueryError } from '@cdp/analytics';
import { LISTING_SUBJECT_IDS_MAX } from '@cdp/contracts';
import type { ResolvedWidget } from '@cdp/widgets';
import { scopeSpec, WidgetError } from '@cdp/widgets';
import { resolverOf, type VersionData } from '../data/version-data.ts';
import { widgetProblem } from './run-widget.ts';

/**
 * A page of a subject listing's subject ids in the listing's own order: the widget's query as it
 * draws it (its sort or the reader's, the dashboard's filters and scope), read at another offset
 * and length, so previous/next on the profile walk past the page on screen. Within the first
 * `LISTING_SUBJECT_IDS_MAX` subjects, like a drill-down's list.
 */
export async function listingSubjectIds(
  engine: QueryEngine,
  version: VersionData,
  resolved: ResolvedWidget,
  page: { offset: number; limit: number },
): Promise<{ ids: string[]; total: number }> {
  const { type, ctx } = resolved;
  if (!type || !ctx) throw widgetProblem(resolved.problem ?? 'This widget cannot be drawn.');
  if (type.type !== 'subject-listing') {
    throw widgetProblem('Only a subject listing has an ordered list of subject ids.', { widget: type.type });
  }
  const subject = ctx.fields.subject_id?.column;
  const spec = type.buildQueries(ctx).subjects;
  if (!subject || !spec) throw widgetProblem('Map Subject to list the subjects of this listing.');
  const limit = Math.min(page.limit, LISTING_SUBJECT_IDS_MAX - page.offset);
  const paged = { ...spec, offset: page.offset, limit, withTotal: true };
  try {
    const { result } = await engine.run(
      scopeSpec(resolverOf(version), paged, resolved.scope, subject, resolved.subjects),
      resolverOf(version),
      {
        cacheKey: version.cacheKey ?? version.id,
      },
    );
    const column = result.columns.findIndex((c) => c.name === 'subject_id');
    return {
      ids: column < 0 ? [] : result.rows.map((row) => String(row[column])),
      total: result.total ?? result.rows.length,
    };
  } catch (error) {
    if (error instanceof QueryError || error instanceof WidgetError) throw widgetProblem(error.message);
    throw error;
  }
}
