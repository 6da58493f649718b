import { z } from 'zod';
import { field } from '../fields.ts';
import type { WidgetType } from '../types.ts';
import { LISTING_FIELDS, listingColumns, listingSpec } from './listing-spec.ts';

const Options = z.object({
  pageSize: z.number().int().min(1).max(1000).default(50).describe('Subjects per page'),
  sortBy: z.enum(LISTING_FIELDS).default('subject_id').describe('The field to sort by; the subject id breaks ties'),
  sortDir: z.enum(['asc', 'desc']).default('asc'),
});
type Options = z.infer<typeof Options>;

/** Subjects of the population with their mapped attributes: one row each, first page and total. */
export const subjectListing: WidgetType<Options> = {
  type: 'subject-listing',
  name: 'Subject listing',
  description: 'A row per subject with site, arm, sex, age, country and race (the fields mapped), paged.',
  category: 'table',
  fields: LISTING_FIELDS.map((key) => field(key, key === 'subject_id')),
  datasets: ['ADSL', 'DM'],
  needsPopulation: false,
  optionsVersion: 1,
  options: Options,
  defaultOptions: Options.parse({}),
  defaultSize: { w: 12, h: 10 },

  buildQueries(ctx) {
    const { pageSize, sortBy, sortDir } = ctx.options;
    const reader = ctx.view?.sort;
    return {
      subjects: listingSpec(ctx, {
        offset: ctx.view?.offset ?? 0,
        limit: pageSize,
        sortBy: reader?.key ?? sortBy,
        sortDir: reader?.dir ?? sortDir,
      }),
    };
  },

  toTable(results) {
    const subjects = results.subjects;
    if (!subjects) return { columns: [], rows: [] };
    return {
      columns: listingColumns(subjects),
      rows: subjects.rows,
      ...(subjects.total !== undefined ? { total: subjects.total } : {}),
    };
  },
};
