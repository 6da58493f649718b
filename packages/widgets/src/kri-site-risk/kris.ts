import type { ColumnRef, QueryFilter, QuerySpec, WidgetFieldSpec } from '@cdp/contracts';
import { treatmentEmergentFilters } from '../ae-incidence/treatment-emergent.ts';
import { baseSpec, col, maybeCol, subjectCount } from '../query-helpers.ts';
import { restrict } from '../subject-flow/restrict.ts';
import { discontinuedFilters, enrolledFilters, screenFailureFilters } from '../subject-flow/subject-status.ts';
import type { WidgetContext } from '../types.ts';
import { queryGap } from './query-gap.ts';
import type { KriKind } from './score.ts';

export const KRI_IDS = ['ae', 'sae', 'discontinuation', 'screen_failure', 'deviation', 'query'] as const;
export type KriId = (typeof KRI_IDS)[number];

export interface KriDefinition {
  id: KriId;
  label: string;
  /** What the metric is, for the note under the table. */
  unit: string;
  /** The value column's label. */
  column: string;
  kind: KriKind;
  /** Which count is the numerator and which the denominator. */
  numerator: CountName;
  denominator: 'screened' | 'enrolled';
}

export const KRIS: Record<KriId, KriDefinition> = {
  ae: {
    id: 'ae',
    label: 'AE rate',
    unit: 'AEs per subject',
    column: 'AE rate',
    kind: 'rate',
    numerator: 'aes',
    denominator: 'enrolled',
  },
  sae: {
    id: 'sae',
    label: 'Serious AE rate',
    unit: 'serious AEs per subject',
    column: 'Serious AE rate',
    kind: 'rate',
    numerator: 'saes',
    denominator: 'enrolled',
  },
  discontinuation: {
    id: 'discontinuation',
    label: 'Discontinuation',
    unit: '% of enrolled',
    column: 'Discontinuation %',
    kind: 'binary',
    numerator: 'discontinued',
    denominator: 'enrolled',
  },
  screen_failure: {
    id: 'screen_failure',
    label: 'Screen failure',
    unit: '% of screened',
    column: 'Screen failure %',
    kind: 'binary',
    numerator: 'screen_failures',
    denominator: 'screened',
  },
  deviation: {
    id: 'deviation',
    label: 'Protocol deviations',
    unit: 'deviations per subject',
    column: 'Deviation rate',
    kind: 'rate',
    numerator: 'deviations',
    denominator: 'enrolled',
  },
  query: {
    id: 'query',
    label: 'Query rate',
    unit: 'queries per subject',
    column: 'Query rate',
    kind: 'rate',
    numerator: 'queries',
    denominator: 'enrolled',
  },
};

/** DV DVTERM: any protocol deviation column says where the deviations are (one row per deviation). */
export const PROTOCOL_DEVIATION: WidgetFieldSpec = {
  key: 'protocol_deviation',
  label: 'Protocol deviation',
  required: false,
  types: ['string'],
  source: 'dataset',
  description: 'DV DVTERM (or DVDECOD): one row per protocol deviation',
};

export type CountName =
  | 'screened'
  | 'enrolled'
  | 'screen_failures'
  | 'discontinued'
  | 'aes'
  | 'saes'
  | 'deviations'
  | 'queries';

/** Result names of the per-subject query lookups (`query_subjects_0`, `_1`, …; see `queryLookups`). */
export const QUERY_LOOKUP = 'query_subjects_';
/** The engine takes at most 1,000 values in one `in` filter: subjects with queries go in chunks. */
const LOOKUP_CHUNK = 1000;

export interface KriOptionsForQueries {
  screenFailureValues: string[];
  completedValues: string[];
  dispositionCategory: string;
  seriousValues: string[];
  treatmentEmergentOnly: boolean;
  kris: KriId[];
  queryStatus: 'all' | 'outstanding';
}

/** Any AE column tells which dataset holds the events. */
function aeColumn(ctx: WidgetContext<unknown>): ColumnRef | undefined {
  return maybeCol(ctx, 'ae_term') ?? maybeCol(ctx, 'ae_serious') ?? maybeCol(ctx, 'ae_treatment_emergent');
}

/**
 * Events of one dataset (AE, DV) counted per site: the rows come from the events' dataset, the site
 * from the subject-level dataset joined on the subject, and only enrolled subjects' events count
 * (the denominator is enrolled subjects).
 */
function eventCounts(
  ctx: WidgetContext<KriOptionsForQueries>,
  events: ColumnRef,
  where: QueryFilter[],
  enrolled: QueryFilter[] | undefined,
): QuerySpec {
  const site = col(ctx, 'site');
  const eventsCtx = { ...ctx, dataset: events.dataset };
  const base = baseSpec(eventsCtx, { uses: [site] });
  const spec = restrict(eventsCtx, base, [...(enrolled ?? []), ...where]);
  return { ...spec, groupBy: [{ column: site, as: 'site' }], measures: [{ op: 'count', as: 'events' }] };
}

/**
 * One query per count, each grouped by site. Subject counts come from the subject-level dataset
 * with conditions on DS rows as semi-joins (no join multiplies subjects); event counts (AEs,
 * serious AEs, deviations) count the events' rows. A count whose fields are not mapped is absent,
 * and so is every KRI that needs it.
 */
export function kriQueries(ctx: WidgetContext<KriOptionsForQueries>): Partial<Record<CountName, QuerySpec>> {
  const { options } = ctx;
  const site = col(ctx, 'site');
  const base = baseSpec(ctx, { uses: [site] });
  const bySite = (filters: QueryFilter[]): QuerySpec => ({
    ...restrict(ctx, base, filters),
    groupBy: [{ column: site, as: 'site' }],
    measures: [subjectCount(ctx, base.from)],
  });
  const wanted = new Set(options.kris);
  const enrolled = enrolledFilters(ctx, options.screenFailureValues);
  const queries: Partial<Record<CountName, QuerySpec>> = { screened: bySite([]) };
  if (enrolled) queries.enrolled = bySite(enrolled);
  const failures = screenFailureFilters(ctx, options.screenFailureValues);
  // Enrolled = screened − screen failures when nothing mapped says who enrolled.
  if (failures && (wanted.has('screen_failure') || !enrolled)) queries.screen_failures = bySite(failures);
  const discontinued = discontinuedFilters(ctx, options);
  if (discontinued && wanted.has('discontinuation'))
    queries.discontinued = bySite([...(enrolled ?? []), ...discontinued]);

  const ae = aeColumn(ctx);
  if (ae) {
    const emergent = treatmentEmergentFilters(ctx, options.treatmentEmergentOnly);
    if (wanted.has('ae')) queries.aes = eventCounts(ctx, ae, emergent, enrolled);
    const serious = maybeCol(ctx, 'ae_serious');
    if (serious && wanted.has('sae'))
      queries.saes = eventCounts(
        ctx,
        ae,
        [...emergent, { column: serious, op: 'in', value: [...options.seriousValues] }],
        enrolled,
      );
  }
  const deviation = maybeCol(ctx, 'protocol_deviation');
  if (deviation && wanted.has('deviation')) queries.deviations = eventCounts(ctx, deviation, [], enrolled);
  return queries;
}

/** Review queries per subject (USUBJID → count) for the widget's `queryStatus`, when the server gave them. */
export function queryCountsOf(ctx: WidgetContext<KriOptionsForQueries>): Record<string, number> | undefined {
  const counts = ctx.study?.reviewQueries;
  if (!counts) return undefined;
  return ctx.options.queryStatus === 'outstanding' ? counts.outstanding : counts.raised;
}

/**
 * The query rate's numerator lives in PostgreSQL (review threads of kind "query", counted per
 * subject by the server into `ctx.study.reviewQueries`), its denominator in the study's data. These
 * lookups find, in DuckDB, the site of each enrolled subject that has queries, with the dashboard's
 * filters applied, so a filtered-out subject's queries never count; `toTable` then adds each
 * subject's count to its site. One lookup per 1,000 subjects with queries.
 */
export function queryLookups(ctx: WidgetContext<KriOptionsForQueries>): Record<string, QuerySpec> {
  const counts = queryCountsOf(ctx);
  if (!counts || !ctx.options.kris.includes('query') || queryGap(ctx)) return {};
  const subjects = Object.keys(counts)
    .filter((id) => (counts[id] ?? 0) > 0)
    .sort();
  const site = col(ctx, 'site');
  const subject = col(ctx, 'subject_id');
  const base = baseSpec(ctx, { uses: [site] });
  const enrolled = enrolledFilters(ctx, ctx.options.screenFailureValues) ?? [];
  const lookups: Record<string, QuerySpec> = {};
  for (let i = 0; i * LOOKUP_CHUNK < subjects.length; i++) {
    const chunk = subjects.slice(i * LOOKUP_CHUNK, (i + 1) * LOOKUP_CHUNK);
    lookups[`${QUERY_LOOKUP}${i}`] = {
      ...restrict(ctx, base, [...enrolled, { column: subject, op: 'in', value: chunk }]),
      groupBy: [
        { column: site, as: 'site' },
        { column: subject, as: 'subject' },
      ],
      measures: [{ op: 'count', as: 'rows' }],
    };
  }
  return lookups;
}
