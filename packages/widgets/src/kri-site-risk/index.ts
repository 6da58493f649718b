import type { WidgetColumn } from '@cdp/contracts';
import { z } from 'zod';
import { field } from '../fields.ts';
import { DISPOSITION_CATEGORY, DispositionOptions } from '../subject-flow/disposition-options.ts';
import { count, records, textOrNull } from '../subject-listing/records.ts';
import { FormatRule } from '../table/rules.ts';
import type { WidgetContext, WidgetTable, WidgetType } from '../types.ts';
import {
  type CountName,
  KRI_IDS,
  KRIS,
  type KriId,
  kriQueries,
  PROTOCOL_DEVIATION,
  QUERY_LOOKUP,
  queryCountsOf,
  queryLookups,
} from './kris.ts';
import { queryGap } from './query-gap.ts';
import { type Direction, type Flag, flagOf, normalApproxScores } from './score.ts';

const DirectionOption = z.enum(['both', 'high', 'low']);

const FLAG_RULES: FormatRule[] = ['flag', ...KRI_IDS.map((id) => `${id}_flag`)].flatMap((column) => [
  { column, op: 'eq' as const, value: 'Red', style: 'danger' as const },
  { column, op: 'eq' as const, value: 'Amber', style: 'warning' as const },
]);

const Options = DispositionOptions.extend({
  kris: z
    .array(z.enum(KRI_IDS))
    .min(1)
    .default([...KRI_IDS])
    .describe('Key risk indicators shown (a KRI whose data is not mapped is left out and named in a note)'),
  amber: z.number().positive().max(10).default(2).describe('Amber flag from this score (|z|, in standard errors)'),
  red: z.number().positive().max(10).default(3).describe('Red flag from this score (|z|, in standard errors)'),
  aeDirection: DirectionOption.default('both').describe(
    'AE rate: flag high (safety) and low (under-reporting) sites, or one side',
  ),
  saeDirection: DirectionOption.default('both').describe('Serious AE rate: which side flags'),
  discontinuationDirection: DirectionOption.default('high').describe('Discontinuation: which side flags'),
  screenFailureDirection: DirectionOption.default('both').describe('Screen failure: which side flags'),
  deviationDirection: DirectionOption.default('high').describe('Protocol deviations: which side flags'),
  queryDirection: DirectionOption.default('high').describe('Query rate: which side flags'),
  queryStatus: z
    .enum(['all', 'outstanding'])
    .default('all')
    .describe('Query rate counts every query raised on the review page, or only those still open or answered'),
  minSubjects: z
    .number()
    .int()
    .min(1)
    .max(1000)
    .default(3)
    .describe('Sites with fewer subjects in the denominator get a score but no flag'),
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
    .enum(['risk', 'site'])
    .default('risk')
    .describe('Order: most at risk first (red flags, then amber, then the largest |score|), or by site'),
  rules: z
    .array(FormatRule)
    .max(30)
    .default(FLAG_RULES)
    .describe('Conditional formatting of the flag columns: [{ column, op, value, style }]'),
}).refine((options) => options.red > options.amber, {
  path: ['red'],
  message: 'the red threshold must be above the amber threshold',
});
export type KriOptions = z.infer<typeof Options>;
type Options = KriOptions;

const DIRECTION_OF: Record<KriId, keyof Options> = {
  ae: 'aeDirection',
  sae: 'saeDirection',
  discontinuation: 'discontinuationDirection',
  screen_failure: 'screenFailureDirection',
  deviation: 'deviationDirection',
  query: 'queryDirection',
};

const FLAG_RANK: Record<Flag, number> = { Red: 2, Amber: 1, Green: 0 };
const collator = new Intl.Collator('en', { numeric: true });
const round = (value: number | null, digits: number) =>
  value === null ? null : Math.round(value * 10 ** digits) / 10 ** digits;

/** Why a KRI is not shown, when its data is not mapped. */
const MISSING: Record<KriId, string> = {
  ae: 'no AE dataset is mapped',
  sae: 'no AE seriousness (AESER) is mapped',
  discontinuation: 'no disposition (DS DSDECOD or ADSL DCDECOD) is mapped',
  screen_failure: 'no screen-failure marker or arm is mapped',
  deviation: 'the study has no protocol deviations (DV) mapped',
  query: 'review queries are not available here',
};

interface SiteRow {
  site: unknown;
  counts: Partial<Record<CountName, number>>;
}

function siteRows(results: Parameters<WidgetType<Options>['toTable']>[0], ctx: WidgetContext<Options>): SiteRow[] {
  const sites = new Map<string, SiteRow>();
  const entryOf = (site: unknown) => {
    const key = JSON.stringify(site ?? null);
    const entry = sites.get(key) ?? { site: site ?? null, counts: {} };
    sites.set(key, entry);
    return entry;
  };
  for (const [name, result] of Object.entries(results)) {
    if (name.startsWith(QUERY_LOOKUP)) continue;
    for (const row of records(result)) entryOf(row.site).counts[name as CountName] = count(row.subjects ?? row.events);
  }
  // Query counts come per subject from the server; each subject's lands on its site.
  const queries = queryCountsOf(ctx);
  if (queries && ctx.options.kris.includes('query')) {
    for (const site of sites.values()) site.counts.queries = 0;
    for (const [name, result] of Object.entries(results)) {
      if (!name.startsWith(QUERY_LOOKUP)) continue;
      for (const row of records(result)) {
        const entry = entryOf(row.site);
        entry.counts.queries = (entry.counts.queries ?? 0) + (queries[String(row.subject)] ?? 0);
      }
    }
  }
  return [...sites.values()];
}

/** Whether a KRI's numerator was counted (its data is mapped, or the server gave the query counts). */
function counted(results: Parameters<WidgetType<Options>['toTable']>[0], ctx: WidgetContext<Options>, id: KriId) {
  return id === 'query' ? queryCountsOf(ctx) !== undefined : results[KRIS[id].numerator] !== undefined;
}

/**
 * The site risk table: per site, subjects screened and enrolled, then for each KRI its value, the
 * site's score against the study and the flag, and the site's worst flag.
 */
function kriTable(results: Parameters<WidgetType<Options>['toTable']>[0], ctx: WidgetContext<Options>): WidgetTable {
  const { options } = ctx;
  const sites = siteRows(results, ctx);
  const enrolledOf = (site: SiteRow) =>
    results.enrolled ? (site.counts.enrolled ?? 0) : (site.counts.screened ?? 0) - (site.counts.screen_failures ?? 0);
  const denominatorOf = (site: SiteRow, id: KriId) =>
    KRIS[id].denominator === 'screened' ? (site.counts.screened ?? 0) : enrolledOf(site);
  // No query raised yet, or subject ids masked for this reader: the query rate says why in words.
  const gap = queryGap(ctx);
  const shown = options.kris.filter((id) => counted(results, ctx, id) && !(id === 'query' && gap));
  const notes = options.kris
    .filter((id) => !shown.includes(id) && !(id === 'query' && gap))
    .map((id) => `${KRIS[id].label} is not shown: ${MISSING[id]}.`);
  if (gap) notes.push(gap.note);
  if (shown.includes('query'))
    notes.push(
      `Query rate: ${options.queryStatus === 'outstanding' ? 'open and answered' : 'all'} review queries on enrolled subjects, per enrolled subject.`,
    );

  const scored = shown.map((id) => {
    const kri = KRIS[id];
    const scores = normalApproxScores(
      sites.map((site) => ({ numerator: site.counts[kri.numerator] ?? 0, denominator: denominatorOf(site, id) })),
      kri.kind,
    );
    const direction = options[DIRECTION_OF[id]] as Direction;
    const flags = scores.sites.map((s, i) => {
      const site = sites[i];
      if (s.score === null || !site || denominatorOf(site, id) < options.minSubjects) return null;
      return flagOf(s.score, options, direction);
    });
    return { id, kri, scores, flags };
  });
  if (scored.length > 0) {
    const overall = scored.flatMap(({ kri, scores }) =>
      scores.overall === null
        ? []
        : [
            kri.kind === 'binary'
              ? `${kri.label} ${round(scores.overall * 100, 1)}${kri.unit}`
              : `${kri.label} ${round(scores.overall, 2)} ${kri.unit}`,
          ],
    );
    const few = options.minSubjects > 1 ? `; sites under ${options.minSubjects} subjects are not flagged` : '';
    notes.unshift(
      `Study: ${overall.join(', ')}. Score: the site against the study in standard errors (gsm normal approximation, over-dispersion adjusted); amber |z| ≥ ${options.amber}, red |z| ≥ ${options.red}${few}.`,
    );
  }

  const rows = sites.map((site, i) => {
    const flags = scored.map((k) => k.flags[i] ?? null);
    const worst = flags.reduce<Flag | null>(
      (best, flag) => (flag && (!best || FLAG_RANK[flag] > FLAG_RANK[best]) ? flag : best),
      null,
    );
    const maxScore = Math.max(0, ...scored.map((k) => Math.abs(k.scores.sites[i]?.score ?? 0)));
    const cells = scored.flatMap((k) => {
      const s = k.scores.sites[i];
      const metric = s?.metric ?? null;
      return [
        k.kri.kind === 'binary' ? round(metric === null ? null : metric * 100, 1) : round(metric, 2),
        round(s?.score ?? null, 2),
        k.flags[i] ?? null,
      ];
    });
    return { site, worst, maxScore, cells };
  });
  rows.sort((a, b) => {
    const bySite =
      textOrNull(a.site.site) === null
        ? 1
        : textOrNull(b.site.site) === null
          ? -1
          : collator.compare(String(a.site.site), String(b.site.site));
    if (options.sortBy === 'site') return bySite;
    const rank = (flag: Flag | null) => (flag ? FLAG_RANK[flag] : -1);
    return rank(b.worst) - rank(a.worst) || b.maxScore - a.maxScore || bySite;
  });
  const siteType = results.screened?.columns.find((column) => column.name === 'site')?.type ?? 'string';
  const columns: WidgetColumn[] = [
    { name: 'site', label: 'Site', type: siteType, field: 'site' },
    { name: 'flag', label: 'Site flag', type: 'string' },
    { name: 'screened', label: 'Screened', type: 'integer' },
    { name: 'enrolled', label: 'Enrolled', type: 'integer' },
    ...scored.flatMap(({ id, kri }) => [
      { name: `${id}_value`, label: kri.column, type: 'number' as const },
      { name: `${id}_score`, label: `${kri.label} score`, type: 'number' as const },
      { name: `${id}_flag`, label: `${kri.label} flag`, type: 'string' as const },
    ]),
    ...(gap ? [{ name: 'query_value', label: KRIS.query.column, type: 'string' as const }] : []),
  ];
  return {
    columns,
    rows: rows.map((row) => [
      row.site.site,
      row.worst,
      row.site.counts.screened ?? 0,
      enrolledOf(row.site),
      ...row.cells,
      ...(gap ? [gap.cell] : []),
    ]),
    notes,
  };
}

const FIELDS = [
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
  PROTOCOL_DEVIATION,
];

/**
 * Key risk indicators per site (risk-based monitoring, as the gsm package does it): AE and serious
 * AE rates, discontinuation, screen failure and protocol deviations, each site's value scored
 * against the study's and flagged amber or red past the thresholds. Rows drill to the site's
 * subjects.
 */
export const kriSiteRisk: WidgetType<Options> = {
  type: 'kri-site-risk',
  name: 'Site risk (KRIs)',
  description:
    'Key risk indicators per site (AE, serious AE, discontinuation, screen failure, deviation and query rates) scored against the study, with amber and red flags.',
  category: 'table',
  fields: FIELDS,
  datasets: ['DM', 'ADSL'],
  needsPopulation: false,
  optionsVersion: 1,
  options: Options,
  defaultOptions: Options.parse({}),
  defaultSize: { w: 12, h: 10 },
  buildQueries(ctx) {
    return { ...kriQueries(ctx), ...queryLookups(ctx) } as ReturnType<WidgetType<Options>['buildQueries']>;
  },
  toTable: kriTable,
};
