import type { QueryFilter, QueryMeasure, QuerySpec } from '@cdp/contracts';
import { z } from 'zod';
import { field } from '../fields.ts';
import { baseSpec, maybeCol, subjectCount } from '../query-helpers.ts';
import { records } from '../subject-listing/records.ts';
import { firstValue } from '../total-screened/metric.ts';
import type { WidgetContext, WidgetType } from '../types.ts';
import { DISPOSITION_CATEGORY, DispositionOptions } from './disposition-options.ts';
import { consortOption, sankeyOption } from './flow-charts.ts';
import { type FlowLink, flowLinks } from './flow-links.ts';
import { restrict, subjectCounts } from './restrict.ts';
import { dispositionRecordFilters, enrolledFilters, screenFailureFilters } from './subject-status.ts';

const Options = DispositionOptions.extend({
  style: z
    .enum(['sankey', 'consort'])
    .default('sankey')
    .describe('Sankey (flows sized by subjects) or CONSORT-style boxes'),
});
type Options = z.infer<typeof Options>;

/** The flow's stages counted in subjects. */
type Stage = 'screened' | 'screenFailures' | 'enrolled' | 'treated';

/** Outcome counts split by treated / not treated when the first treatment date is mapped. */
function outcomeMeasures(ctx: WidgetContext<Options>, from: string): QueryMeasure[] {
  const treated = maybeCol(ctx, 'treatment_start');
  if (!treated) return [subjectCount(ctx, from)];
  return [
    { ...subjectCount(ctx, from, 'treated'), where: [{ column: treated, op: 'notnull' }] },
    { ...subjectCount(ctx, from, 'not_treated'), where: [{ column: treated, op: 'null' }] },
  ];
}

/**
 * Subject flow: screened → screen failures / enrolled → treated → completed, discontinued (by
 * reason) or ongoing. Works on SDTM (DM, with the disposition in DS.DSDECOD and DSCAT as its
 * category) and on ADaM (ADSL, with DCDECOD, or EOSSTT plus DCSREAS as the reason).
 */
export const subjectFlow: WidgetType<Options> = {
  type: 'subject-flow',
  name: 'Subject flow',
  description:
    'Screened, screen failures, enrolled, treated, completed and discontinued by reason, as a Sankey or CONSORT diagram.',
  category: 'flow',
  fields: [
    field('subject_id', true),
    field('arm', false, { description: 'ARM: Screen Failure marks screen failures' }),
    field('screen_failure', false),
    field('randomized_flag', false),
    field('enrollment_date', false),
    field('treatment_start', false),
    field('disposition', false, { description: 'DS.DSDECOD, or ADSL DCDECOD / EOSSTT' }),
    DISPOSITION_CATEGORY,
    field('disposition_reason', false),
  ],
  datasets: ['DM', 'ADSL'],
  needsPopulation: false,
  optionsVersion: 1,
  options: Options,
  defaultOptions: Options.parse({}),
  defaultSize: { w: 8, h: 10 },

  buildQueries(ctx) {
    const { screenFailureValues, dispositionCategory } = ctx.options;
    const base = baseSpec(ctx);
    const subjectsWhere = (filters: QueryFilter[]): QuerySpec => ({
      ...restrict(ctx, base, filters),
      measures: [subjectCount(ctx, base.from)],
    });
    const failures = screenFailureFilters(ctx, screenFailureValues);
    const enrolled = enrolledFilters(ctx, screenFailureValues);
    const treated = maybeCol(ctx, 'treatment_start');
    const stages: Partial<Record<Stage, QueryFilter[]>> = { screened: [] };
    if (failures) stages.screenFailures = failures;
    if (enrolled) stages.enrolled = enrolled;
    if (treated) stages.treated = [...(enrolled ?? []), { column: treated, op: 'notnull' }];
    // The stage counts in one query when they can be (`subjectCounts`), else one query each.
    const together = subjectCounts(ctx, base, stages as Record<string, QueryFilter[]>);
    const queries: Record<string, QuerySpec> = together
      ? { stages: together }
      : Object.fromEntries(Object.entries(stages).map(([name, filters]) => [name, subjectsWhere(filters)]));

    const disposition = maybeCol(ctx, 'disposition');
    if (disposition) {
      const reason = maybeCol(ctx, 'disposition_reason');
      // A DS disposition is joined (one row per subject once DSCAT picks the end-of-study record).
      const spec = restrict(ctx, baseSpec(ctx, { uses: [disposition, reason, treated] }), [
        ...(enrolled ?? []),
        ...dispositionRecordFilters(ctx, dispositionCategory),
      ]);
      queries.outcomes = {
        ...spec,
        groupBy: [{ column: disposition, as: 'outcome' }, ...(reason ? [{ column: reason, as: 'reason' }] : [])],
        measures: outcomeMeasures(ctx, spec.from),
      };
    }
    return queries;
  },

  toTable(results, ctx) {
    /** A stage's count from its own query or from the `stages` query; null when it is not counted. */
    const stage = (name: Stage): number | null => {
      const own = results[name];
      if (own) return firstValue(own, 'subjects') ?? 0;
      const together = results.stages;
      if (!together?.columns.some((c) => c.name === name)) return null;
      return firstValue(together, name) ?? 0;
    };
    const links = flowLinks(
      {
        screened: stage('screened') ?? 0,
        screenFailures: stage('screenFailures'),
        enrolled: stage('enrolled'),
        treated: stage('treated'),
        outcomes: results.outcomes,
      },
      ctx.options,
    );
    return {
      columns: [
        { name: 'from', label: 'From', type: 'string' },
        { name: 'to', label: 'To', type: 'string' },
        { name: 'subjects', label: 'Subjects', type: 'integer' },
      ],
      rows: links,
    };
  },

  toChartOption(table, options) {
    const links = records(table).map(
      (row): FlowLink => [row.from === null ? null : String(row.from), String(row.to), Number(row.subjects)],
    );
    return options.style === 'consort' ? consortOption(links) : sankeyOption(links);
  },
};
