import type { ColumnRef, QueryFilter, QueryGroup, QuerySpec, WidgetColumn } from '@cdp/contracts';
import { z } from 'zod';
import { treatmentEmergentFilters } from '../ae-incidence/treatment-emergent.ts';
import { field } from '../fields.ts';
import { baseSpec, col, maybeCol, subjectCount, subjectOf } from '../query-helpers.ts';
import { DISPOSITION_CATEGORY, DispositionOptions } from '../subject-flow/disposition-options.ts';
import { restrict, subjectCounts } from '../subject-flow/restrict.ts';
import { discontinuedFilters, enrolledFilters, screenFailureFilters } from '../subject-flow/subject-status.ts';
import { count, records, textOrNull } from '../subject-listing/records.ts';
import type { WidgetContext, WidgetType } from '../types.ts';

const COUNTS = ['screened', 'enrolled', 'screen_failures', 'with_ae', 'with_sae', 'discontinued'] as const;
type CountName = (typeof COUNTS)[number];

const LABELS: Record<CountName, string> = {
  screened: 'Screened',
  enrolled: 'Enrolled',
  screen_failures: 'Screen failures',
  with_ae: 'Subjects with AEs',
  with_sae: 'Subjects with serious AEs',
  discontinued: 'Discontinued',
};

const Options = DispositionOptions.extend({
  seriousValues: z
    .array(z.string())
    .min(1)
    .default(['Y'])
    .describe('Values of the serious field that mean serious (AESER is Y or N)'),
  treatmentEmergentOnly: z
    .boolean()
    .default(true)
    .describe('Count only treatment-emergent events (when the flag is mapped)'),
  sortBy: z
    .enum(['site', ...COUNTS])
    .default('site')
    .describe('Initial order: by site, or by a count, largest first'),
});
type Options = z.infer<typeof Options>;

/** Any AE column tells which dataset holds the events. */
function aeColumn(ctx: WidgetContext<Options>): ColumnRef | undefined {
  return maybeCol(ctx, 'ae_term') ?? maybeCol(ctx, 'ae_serious') ?? maybeCol(ctx, 'ae_treatment_emergent');
}

/** The conditions behind each count; a count whose fields are not mapped is left out. */
function conditions(ctx: WidgetContext<Options>): Partial<Record<CountName, QueryFilter[]>> {
  const { options } = ctx;
  const ae = aeColumn(ctx);
  const serious = maybeCol(ctx, 'ae_serious');
  const emergent = treatmentEmergentFilters(ctx, options.treatmentEmergentOnly);
  // Every AE row has a subject: the condition that makes "has at least one AE" a semi-join.
  const anyEvent = ae ? [{ column: subjectOf(ctx, ae.dataset), op: 'notnull' as const }, ...emergent] : undefined;
  return {
    screened: [],
    enrolled: enrolledFilters(ctx, options.screenFailureValues),
    screen_failures: screenFailureFilters(ctx, options.screenFailureValues),
    with_ae: anyEvent,
    with_sae:
      anyEvent && serious ? [...anyEvent, { column: serious, op: 'in', value: [...options.seriousValues] }] : undefined,
    discontinued: discontinuedFilters(ctx, options),
  };
}

const collator = new Intl.Collator('en', { numeric: true });

/**
 * Per site: subjects screened, enrolled, screen failures, subjects with (serious) AEs and
 * discontinued. Each count is its own query from the subject-level dataset, conditions on AE or
 * DS rows applying as semi-joins, so every number counts subjects and no join multiplies them.
 */
export const siteSummary: WidgetType<Options> = {
  type: 'site-summary',
  name: 'Site summary',
  description:
    'Per site: subjects screened, enrolled, screen failures, subjects with AEs and serious AEs, discontinued.',
  category: 'table',
  fields: [
    field('subject_id', true),
    field('site', true),
    field('country', false),
    field('arm', false, { description: 'ARM: Screen Failure marks screen failures' }),
    field('screen_failure', false),
    field('randomized_flag', false),
    field('enrollment_date', false),
    field('disposition', false, { description: 'DS.DSDECOD or ADSL DCDECOD / EOSSTT' }),
    DISPOSITION_CATEGORY,
    field('ae_term', false, { description: 'Any AE column (e.g. AE.AEDECOD): says where the AEs are' }),
    field('ae_serious', false),
    field('ae_treatment_emergent', false),
  ],
  datasets: ['DM', 'ADSL'],
  needsPopulation: false,
  optionsVersion: 1,
  options: Options,
  defaultOptions: Options.parse({}),
  defaultSize: { w: 8, h: 10 },

  buildQueries(ctx) {
    const site = col(ctx, 'site');
    const country = maybeCol(ctx, 'country');
    const groupBy: QueryGroup[] = [
      { column: site, as: 'site' },
      ...(country ? [{ column: country, as: 'country' }] : []),
    ];
    const base = baseSpec(ctx, { uses: [site, country] });
    const queries: Record<string, QuerySpec> = {};
    // Counts on the subject rows themselves share one query (`subjectCounts`); those needing AE
    // or DS rows are a semi-join each.
    const inRow: Record<string, QueryFilter[]> = {};
    for (const [name, filters] of Object.entries(conditions(ctx))) {
      if (!filters) continue;
      if (subjectCounts(ctx, base, { [name]: filters })) inRow[name] = filters;
      else queries[name] = { ...restrict(ctx, base, filters), groupBy, measures: [subjectCount(ctx, base.from)] };
    }
    const together = subjectCounts(ctx, base, inRow);
    return together && Object.keys(inRow).length > 0 ? { counts: { ...together, groupBy }, ...queries } : queries;
  },

  toTable(results, ctx) {
    const together = results.counts;
    const counted = (name: CountName) =>
      results[name] !== undefined || (together?.columns.some((c) => c.name === name) ?? false);
    const shown = COUNTS.filter((name) => counted(name) || (name === 'enrolled' && counted('screen_failures')));
    const sites = new Map<string, { site: unknown; country: unknown; counts: Partial<Record<CountName, number>> }>();
    const add = (row: Record<string, unknown>, name: CountName, value: unknown) => {
      const key = JSON.stringify([row.site, row.country ?? null]);
      const entry = sites.get(key) ?? { site: row.site, country: row.country ?? null, counts: {} };
      entry.counts[name] = count(value);
      sites.set(key, entry);
    };
    for (const name of shown) {
      for (const row of records(results[name])) add(row, name, row.subjects);
      if (!results[name] && counted(name)) for (const row of records(together)) add(row, name, row[name]);
    }
    const country = maybeCol(ctx, 'country');
    const value = (entry: { counts: Partial<Record<CountName, number>> }, name: CountName) =>
      name === 'enrolled' && !counted('enrolled')
        ? (entry.counts.screened ?? 0) - (entry.counts.screen_failures ?? 0)
        : (entry.counts[name] ?? 0);
    const { sortBy } = ctx.options;
    const ordered = [...sites.values()].sort((a, b) => {
      const bySite =
        textOrNull(a.site) === null
          ? 1
          : textOrNull(b.site) === null
            ? -1
            : collator.compare(String(a.site), String(b.site));
      return sortBy === 'site' ? bySite : value(b, sortBy) - value(a, sortBy) || bySite;
    });
    const siteType = (results.screened ?? together)?.columns.find((column) => column.name === 'site')?.type ?? 'string';
    const columns: WidgetColumn[] = [
      { name: 'site', label: 'Site', type: siteType, field: 'site' },
      ...(country ? [{ name: 'country', label: 'Country', type: 'string' as const, field: 'country' }] : []),
      ...shown.map((name) => ({ name, label: LABELS[name], type: 'integer' as const })),
    ];
    return {
      columns,
      rows: ordered.map((entry) => [
        entry.site,
        ...(country ? [entry.country] : []),
        ...shown.map((name) => value(entry, name)),
      ]),
    };
  },
};
