import { z } from 'zod';
import { WidgetDataQuery } from './dashboards.ts';

/**
 * The most subject ids a subject listing hands over for previous/next on the patient profile, as
 * for a drill-down's list: past it the profile walks the first ones and says so.
 */
export const LISTING_SUBJECT_IDS_MAX = 5000;

/**
 * `GET …/widgets/:wid/subject-ids`: a subject listing's subject ids in the listing's order (its
 * sort, or the reader's `sort`, and the dashboard's `filters`), a page at a time within the first
 * `LISTING_SUBJECT_IDS_MAX`.
 */
export const ListingSubjectIdsQuery = WidgetDataQuery.pick({ filters: true, sort: true, options: true }).extend({
  offset: z.coerce
    .number()
    .int()
    .min(0)
    .max(LISTING_SUBJECT_IDS_MAX - 1, `A listing hands over its first ${LISTING_SUBJECT_IDS_MAX} subject ids at most.`)
    .default(0),
  limit: z.coerce.number().int().min(1).max(1000).default(1000),
});

export const ListingSubjectIdsResponse = z.object({
  data: z.array(z.string()),
  page: z.object({ offset: z.number(), limit: z.number(), total: z.number() }),
  meta: z.object({ max: z.number() }),
});
export type ListingSubjectIdsResponse = z.infer<typeof ListingSubjectIdsResponse>;
