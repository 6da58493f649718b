import type { WidgetContext } from '../types.ts';

/** What the query-rate cells and note say when it has no rates to show. */
export interface QueryGap {
  /** Every site's cell, in the table and in exports. */
  cell: string;
  /** The note under the widget, with the reason. */
  note: string;
}

/**
 * Why the query rate shows words instead of numbers, or null when it has rates:
 * - no review query has been raised on the study yet: a column of zeros would read as a measured
 *   rate of 0, where there is nothing to measure yet;
 * - the reader sees USUBJID masked (PHI): queries are counted per clear subject id in PostgreSQL,
 *   and the reader's data hold masks, so no query can be placed on a site. Saying 0 would be false.
 */
export function queryGap(ctx: WidgetContext<{ kris: readonly string[] }>): QueryGap | null {
  const counts = ctx.study?.reviewQueries;
  if (!counts || !ctx.options.kris.includes('query')) return null;
  if (ctx.masked?.includes('subject_id'))
    return {
      cell: 'Not attributable: subject ids masked',
      note: 'Query rate is not shown: subject ids (USUBJID) are masked as PHI for you, so review queries cannot be attributed to sites. Readers with the data:view_phi permission see it.',
    };
  if (!Object.values(counts.raised).some((n) => n > 0))
    return {
      cell: 'No queries raised yet',
      note: 'Query rate: no queries raised yet on this study (review queries raised in CDP count).',
    };
  return null;
}
