import type { QueryFilter, QuerySpec, WidgetColumn } from '@cdp/contracts';
import { z } from 'zod';
import { armExclusion, orderArms, UNTREATED_ARMS } from '../demographics/arms.ts';
import { field } from '../fields.ts';
import { toNumber } from '../format.ts';
import { baseSpec, col, maybeCol } from '../query-helpers.ts';
import { restrict } from '../subject-flow/restrict.ts';
import { records, textOrNull } from '../subject-listing/records.ts';
import { termKey } from '../terms.ts';
import type { WidgetContext, WidgetTable, WidgetType } from '../types.ts';
import { kaplanMeierChart } from './chart.ts';
import { atRiskAt, type Curve, kaplanMeier, logRank, niceStep, type TimeCount } from './survival.ts';

const Options = z.object({
  parameter: z
    .string()
    .default('')
    .describe('The time-to-event parameter analysed (ADTTE PARAMCD, e.g. TTDE); empty: the one with the most records'),
  censorCoding: z
    .enum(['cnsr', 'event'])
    .default('cnsr')
    .describe(
      'cnsr: ADaM CNSR, 0 = event and any other value = censored; event: 1 = event, any other value = censored',
    ),
  populationFlag: z
    .boolean()
    .default(true)
    .describe("Keep subjects whose population flag (SAFFL, ITTFL) is 'Y', when it is mapped"),
  excludeArms: z
    .array(z.string())
    .default([...UNTREATED_ARMS])
    .describe('Arm values left out: screen failures, not assigned, not treated'),
  armOrder: z
    .array(z.string())
    .default([])
    .describe('Arms listed here come first, in this order; the rest follow by name'),
  confidenceBands: z.boolean().default(true).describe('Draw the pointwise 95% confidence band of each curve'),
  riskTableStep: z
    .number()
    .min(0)
    .default(0)
    .describe('Number at risk every this many time units; 0 picks a round step (about six columns)'),
  timeUnit: z.string().max(40).default('days').describe('The unit of the time variable, for the axis title'),
});
export type KaplanMeierOptions = z.infer<typeof Options>;

const ALL_SUBJECTS = 'All subjects';

/** The analysis population and the arms shown. */
function populationFilters(ctx: WidgetContext<KaplanMeierOptions>): QueryFilter[] {
  const flag = maybeCol(ctx, 'population_flag');
  const arm = maybeCol(ctx, 'arm');
  return [
    ...(flag && ctx.options.populationFlag ? [{ column: flag, op: 'eq' as const, value: 'Y' }] : []),
    ...(arm ? armExclusion(arm, ctx.options.excludeArms) : []),
  ];
}

function parameterFilters(ctx: WidgetContext<KaplanMeierOptions>): QueryFilter[] {
  const parameter = maybeCol(ctx, 'tte_parameter');
  return parameter && ctx.options.parameter ? [{ column: parameter, op: 'eq', value: ctx.options.parameter }] : [];
}

/** The summary figures of a curve, as table cells: rounded for reading, never for computing. */
const r4 = (v: number | null) => (v === null ? null : Math.round(v * 1e4) / 1e4);

const COLUMNS: WidgetColumn[] = [
  { name: 'section', label: 'Section', type: 'string' },
  { name: 'arm', label: 'Arm', type: 'string', field: 'arm' },
  { name: 'time', label: 'Time', type: 'number' },
  { name: 'at_risk', label: 'At risk', type: 'integer' },
  { name: 'events', label: 'Events', type: 'integer' },
  { name: 'censored', label: 'Censored', type: 'integer' },
  { name: 'estimate', label: 'Survival / median', type: 'number' },
  { name: 'ci_low', label: '95% CI low', type: 'number' },
  { name: 'ci_high', label: '95% CI high', type: 'number' },
];

/** The table's sections: the chart reads its curves, marks and risk table back from them. */
export const SECTION = { median: 'Median (95% CI)', atRisk: 'Number at risk', curve: 'Survival estimate' } as const;

function formatP(p: number): string {
  if (p < 0.001) return 'p < 0.001';
  return `p = ${p.toFixed(p < 0.01 ? 4 : 3)}`;
}

const formatTime = (v: number | null) => (v === null ? 'NE' : String(Math.round(v * 100) / 100));

/**
 * Kaplan–Meier survival curves by arm from a time-to-event dataset (ADTTE: AVAL, CNSR, PARAMCD,
 * TRTP / TRTA) or any time and censoring pair: step curves with censoring marks and pointwise 95%
 * bands, the number at risk under the plot, each arm's median with its 95% CI, and the log-rank
 * test across the arms.
 */
export const kaplanMeierWidget: WidgetType<KaplanMeierOptions> = {
  type: 'kaplan-meier',
  name: 'Kaplan–Meier survival',
  description:
    'Survival curves by arm with censoring marks and 95% bands, number at risk, median survival (95% CI) and the log-rank test.',
  category: 'clinical',
  fields: [
    field('subject_id', true),
    field('tte_time', true),
    field('tte_censor', true),
    // The arm is read from the time-to-event dataset itself (ADTTE carries TRTP and TRTA).
    field('arm', false, {
      source: 'dataset',
      description: 'The arm curves are drawn for (ADTTE TRTA, TRTP or TRT01A); one curve without it',
    }),
    field('tte_parameter', false),
    field('population_flag', false),
  ],
  datasets: ['ADTTE'],
  needsPopulation: false,
  optionsVersion: 1,
  options: Options,
  defaultOptions: Options.parse({}),
  defaultSize: { w: 8, h: 12 },

  buildQueries(ctx) {
    const time = col(ctx, 'tte_time');
    const censor = col(ctx, 'tte_censor');
    const arm = maybeCol(ctx, 'arm');
    const parameter = maybeCol(ctx, 'tte_parameter');
    const base = restrict(ctx, baseSpec(ctx, { uses: [arm, parameter] }), [
      ...populationFilters(ctx),
      ...parameterFilters(ctx),
    ]);
    const event: QueryFilter =
      ctx.options.censorCoding === 'cnsr'
        ? { column: censor, op: 'eq', value: 0 }
        : { column: censor, op: 'eq', value: 1 };
    const queries: Record<string, QuerySpec> = {
      times: {
        ...base,
        where: [...(base.where ?? []), { column: time, op: 'notnull' }, { column: censor, op: 'notnull' }],
        groupBy: [
          ...(arm ? [{ column: arm, as: 'arm' }] : []),
          ...(parameter ? [{ column: parameter, as: 'parameter' }] : []),
          { column: time, as: 'time' },
        ],
        measures: [
          { op: 'count', as: 'rows' },
          { op: 'count', as: 'events', where: [event] },
        ],
      },
      missing: {
        ...base,
        measures: [
          { op: 'count', as: 'no_time', where: [{ column: time, op: 'null' }] },
          { op: 'count', as: 'no_censor', where: [{ column: censor, op: 'null' }] },
        ],
      },
    };
    return queries;
  },

  toTable(results, ctx) {
    const { options } = ctx;
    const notes: string[] = [];
    const rows = records(results.times);
    if (results.times?.truncated) {
      return {
        columns: COLUMNS,
        rows: [],
        notes: ['Too many distinct times to draw the curves exactly: filter the data (a parameter, an arm).'],
      };
    }

    // One parameter at a time: the one asked for, else the first in the data (the others are named).
    const recordsOf = new Map<string, number>();
    for (const row of rows) {
      const parameter = textOrNull(row.parameter);
      if (parameter !== null) recordsOf.set(parameter, (recordsOf.get(parameter) ?? 0) + (toNumber(row.rows) ?? 0));
    }
    const parameters = [...recordsOf.keys()].sort(
      (a, b) => (recordsOf.get(b) ?? 0) - (recordsOf.get(a) ?? 0) || a.localeCompare(b),
    );
    const chosen = options.parameter || parameters[0] || null;
    if (!options.parameter && parameters.length > 1)
      notes.push(
        `Parameter ${chosen} shown; the data also have ${parameters.slice(1).join(', ')} (choose one in the options).`,
      );
    const kept = rows.filter(
      (row) =>
        chosen === null || row.parameter === undefined || termKey(String(row.parameter ?? '')) === termKey(chosen),
    );

    const byArm = new Map<string, TimeCount[]>();
    for (const row of kept) {
      const time = toNumber(row.time);
      const total = toNumber(row.rows) ?? 0;
      const events = toNumber(row.events) ?? 0;
      if (time === null) continue;
      const arm = row.arm === undefined ? ALL_SUBJECTS : (textOrNull(row.arm) ?? '(missing)');
      const list = byArm.get(arm) ?? [];
      list.push({ time, events, censored: total - events });
      byArm.set(arm, list);
    }
    const arms = orderArms(byArm.keys(), options.armOrder);
    const curves = new Map<string, Curve>(arms.map((arm) => [arm, kaplanMeier(byArm.get(arm) ?? [])]));
    const negative = kept
      .filter((row) => (toNumber(row.time) ?? 0) < 0)
      .reduce((sum, row) => sum + (toNumber(row.rows) ?? 0), 0);

    const maxTime = Math.max(0, ...[...byArm.values()].flat().map((c) => c.time));
    const step = options.riskTableStep > 0 ? options.riskTableStep : niceStep(maxTime);
    const riskTimes: number[] = [];
    for (let t = 0; t <= maxTime + 1e-9 && riskTimes.length < 200; t += step) riskTimes.push(Math.round(t * 1e6) / 1e6);

    const out: unknown[][] = [];
    for (const arm of arms) {
      const curve = curves.get(arm) as Curve;
      out.push([
        SECTION.median,
        arm,
        null,
        curve.subjects,
        curve.events,
        curve.subjects - curve.events,
        ...medianCells(curve),
      ]);
    }
    for (const arm of arms) {
      const counts = byArm.get(arm) ?? [];
      for (const t of riskTimes) out.push([SECTION.atRisk, arm, t, atRiskAt(counts, t), null, null, null, null, null]);
    }
    for (const arm of arms) {
      const curve = curves.get(arm) as Curve;
      out.push([SECTION.curve, arm, 0, curve.subjects, 0, 0, 1, 1, 1]);
      for (const s of curve.steps)
        out.push([SECTION.curve, arm, s.time, s.atRisk, s.events, s.censored, r4(s.survival), r4(s.low), r4(s.high)]);
    }

    const test = logRank(arms.map((arm) => byArm.get(arm) ?? []));
    if (arms.length > 0)
      notes.push(
        `Median ${options.timeUnit ? `(${options.timeUnit}) ` : ''}with 95% CI: ${arms
          .map((arm) => {
            const m = (curves.get(arm) as Curve).median;
            return `${arm} ${formatTime(m.estimate)} (${formatTime(m.low)}, ${formatTime(m.high)})`;
          })
          .join('; ')}. NE: not estimable (the curve or its bound stays above 0.5).`,
      );
    if (test) notes.push(`Log-rank test: χ² = ${test.chiSquare.toFixed(2)} on ${test.df} df, ${formatP(test.p)}.`);
    const missing = records(results.missing)[0];
    const dropped = (toNumber(missing?.no_time) ?? 0) + (toNumber(missing?.no_censor) ?? 0);
    if (dropped > 0)
      notes.push(`${dropped} record${dropped === 1 ? '' : 's'} without a time or a censoring value left out.`);
    if (negative > 0) notes.push(`${negative} record${negative === 1 ? '' : 's'} with a negative time left out.`);
    notes.push('95% CIs: Greenwood variance on the log(−log) scale; the median CI inverts them (Brookmeyer–Crowley).');

    const table: WidgetTable = { columns: COLUMNS, rows: out, notes };
    return table;
  },

  toChartOption(table, options) {
    return kaplanMeierChart(table, options);
  },

  drillFilters(ctx) {
    return [...populationFilters(ctx), ...parameterFilters(ctx)];
  },
};

function medianCells(curve: Curve): Array<number | null> {
  return [curve.median.estimate, curve.median.low, curve.median.high];
}
