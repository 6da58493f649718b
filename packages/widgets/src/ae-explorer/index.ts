import type { QueryFilter, QuerySpec, WidgetColumn } from '@cdp/contracts';
import { z } from 'zod';
import {
  ANY_AE,
  collect,
  EVENT_ARM,
  eventArm,
  eventFilters,
  key,
  type Line,
  onPopulation,
  populationFilters,
  UNCODED,
} from '../ae-incidence/index.ts';
import { orderArms, percent, UNTREATED_ARMS } from '../demographics/arms.ts';
import { field } from '../fields.ts';
import { cutNotes } from '../format.ts';
import { baseSpec, col, maybeCol, subjectCount } from '../query-helpers.ts';
import { restrict } from '../subject-flow/restrict.ts';
import { count, records, textOrNull } from '../subject-listing/records.ts';
import type { WidgetContext, WidgetTable, WidgetType } from '../types.ts';
import { aeExplorerChart } from './chart.ts';
import { AE_READER_OPTIONS, aeControls, describeAeFilters, valueQueries } from './controls.ts';
import { type Estimate, relativeRisk, riskDifference } from './risk.ts';

const Options = z.object({
  treatmentEmergentOnly: z
    .boolean()
    .default(true)
    .describe('Count only events flagged treatment-emergent (ADAE TRTEMFL), when the flag is mapped'),
  populationFlag: z
    .boolean()
    .default(true)
    .describe("Keep subjects whose population flag (SAFFL) is 'Y', when it is mapped"),
  treatedOnly: z
    .boolean()
    .default(true)
    .describe('Keep subjects with a first treatment date (the SDTM safety population), when it is mapped'),
  excludeArms: z
    .array(z.string())
    .default([...UNTREATED_ARMS])
    .describe('Arm values left out: screen failures, not assigned, not treated'),
  armOrder: z
    .array(z.string())
    .default([])
    .describe('Arms listed here come first, in this order; the rest follow by name'),
  comparisonArm: z
    .string()
    .default('')
    .describe('Arm compared with the reference (risk difference and relative risk); empty: the first other arm'),
  referenceArm: z
    .string()
    .default('')
    .describe("Reference arm; empty: the arm named like 'Placebo', else the first arm"),
  serious: z
    .enum(['all', 'serious', 'non-serious'])
    .default('all')
    .describe('Keep all events, serious ones only (AESER = Y) or non-serious ones only (AESER = N)'),
  severity: z
    .array(z.string())
    .default([])
    .describe('Keep events of these severities or toxicity grades (AESEV, AETOXGR: MILD, 3...); empty keeps all'),
  relatedness: z
    .array(z.string())
    .default([])
    .describe('Keep events with this relationship to study drug (AEREL: PROBABLE, POSSIBLE...); empty keeps all'),
  outcome: z
    .array(z.string())
    .default([])
    .describe('Keep events with this outcome (AEOUT: FATAL, RECOVERED/RESOLVED...); empty keeps all'),
  minPercent: z
    .number()
    .min(0)
    .max(100)
    .default(0)
    .describe('Hide preferred terms below this percentage in every arm (body systems keep their full counts)'),
  sortBy: z
    .enum(['frequency', 'alphabetical', 'risk_difference', 'relative_risk'])
    .default('frequency')
    .describe('Order of body systems and of the terms within each (a click on a column header sorts by it)'),
  sortDirection: z
    .enum(['desc', 'asc'])
    .default('desc')
    .describe('Largest first (desc) or smallest first (asc); alphabetical order always reads A to Z'),
  display: z
    .enum(['table', 'dot-plot'])
    .default('table')
    .describe('A table, or a chart: incidence per arm (dots) beside the risk difference with its 95% CI'),
  maxTerms: z
    .number()
    .int()
    .min(1)
    .max(100)
    .default(25)
    .describe('Chart: how many preferred terms it shows, the most frequent first'),
});
export type AeExplorerOptions = z.infer<typeof Options>;

/** The event conditions the explorer's own filters add (seriousness, severity, relatedness, outcome). */
function aeFilters(ctx: WidgetContext<AeExplorerOptions>): QueryFilter[] {
  const { options } = ctx;
  const filters: QueryFilter[] = [];
  const serious = maybeCol(ctx, 'ae_serious');
  if (serious && options.serious !== 'all')
    filters.push({ column: serious, op: 'eq', value: options.serious === 'serious' ? 'Y' : 'N' });
  const listed = (fieldKey: string, values: string[]) => {
    const column = maybeCol(ctx, fieldKey);
    if (column && values.length > 0) filters.push({ column, op: 'in', value: values });
  };
  listed('ae_severity', options.severity);
  listed('ae_related', options.relatedness);
  listed('ae_outcome', options.outcome);
  return filters;
}

/** Filters asked for in the options whose field is not mapped: said in a note, never silently dropped. */
function unappliedFilters(ctx: WidgetContext<AeExplorerOptions>): string[] {
  const { options } = ctx;
  const missing: string[] = [];
  if (options.serious !== 'all' && !maybeCol(ctx, 'ae_serious')) missing.push('seriousness');
  if (options.severity.length > 0 && !maybeCol(ctx, 'ae_severity')) missing.push('severity');
  if (options.relatedness.length > 0 && !maybeCol(ctx, 'ae_related')) missing.push('relatedness');
  if (options.outcome.length > 0 && !maybeCol(ctx, 'ae_outcome')) missing.push('outcome');
  return missing;
}

function allEventFilters(ctx: WidgetContext<AeExplorerOptions>): QueryFilter[] {
  return [...eventFilters(ctx), ...aeFilters(ctx)];
}

/** The reference arm and the arm compared with it, or null when the data have fewer than two arms. */
export function comparedArms(
  arms: readonly string[],
  options: Pick<AeExplorerOptions, 'comparisonArm' | 'referenceArm'>,
): { comparison: string; reference: string } | null {
  const find = (name: string) => arms.find((arm) => arm.trim().toUpperCase() === name.trim().toUpperCase());
  const reference =
    (options.referenceArm ? find(options.referenceArm) : undefined) ??
    (options.referenceArm ? undefined : (arms.find((arm) => /placebo/i.test(arm)) ?? arms[0]));
  if (!reference) return null;
  const comparison =
    (options.comparisonArm ? find(options.comparisonArm) : undefined) ??
    (options.comparisonArm ? undefined : arms.find((arm) => arm !== reference));
  if (!comparison || comparison === reference) return null;
  return { comparison, reference };
}

const round = (value: number | null, digits: number) =>
  value === null || !Number.isFinite(value) ? null : Math.round(value * 10 ** digits) / 10 ** digits;

/** An estimate in percentage points (one decimal) or as a ratio (two decimals). */
const asPoints = (e: Estimate) => [e.estimate, e.low, e.high].map((v) => (v === null ? null : round(100 * v, 1)));
const asRatio = (e: Estimate) => [e.estimate, e.low, e.high].map((v) => round(v, 2));

/**
 * The AE explorer: subjects with adverse events by body system and preferred term, per arm (n and %
 * of the arm's population, as AE incidence counts them), filtered by seriousness, severity,
 * relatedness and outcome, with the risk difference and relative risk of one arm against another
 * and their 95% confidence intervals; sortable by any column, drillable to the subjects of a row.
 */
export const aeExplorer: WidgetType<AeExplorerOptions> = {
  type: 'ae-explorer',
  name: 'AE explorer',
  description:
    'Adverse events by body system and preferred term per arm, filtered by seriousness, severity, relatedness and outcome, with risk difference and relative risk (95% CI) between two arms.',
  category: 'clinical',
  fields: [
    field('subject_id', true),
    field('arm', true, { description: "The subject's arm in the population (ADSL TRT01A, DM ACTARM)" }),
    field('ae_body_system', true),
    field('ae_term', true),
    field('ae_serious', false),
    field('ae_severity', false),
    field('ae_related', false),
    field('ae_outcome', false),
    field('ae_treatment_emergent', false),
    field('population_flag', false),
    field('treatment_start', false),
    EVENT_ARM,
  ],
  datasets: ['ADAE', 'AE'],
  needsPopulation: true,
  optionsVersion: 1,
  options: Options,
  defaultOptions: Options.parse({}),
  defaultSize: { w: 12, h: 14 },
  readerOptions: AE_READER_OPTIONS,

  buildQueries(ctx) {
    const arm = onPopulation(ctx, col(ctx, 'arm'));
    const population = restrict(ctx, baseSpec(ctx, { from: 'population', uses: [arm] }), populationFilters(ctx));
    const unfiltered = baseSpec(ctx, { uses: [eventArm(ctx)] });
    const events = restrict(ctx, unfiltered, allEventFilters(ctx));
    const measures = [subjectCount(ctx, events.from), { op: 'count' as const, as: 'events' }];
    const byArm = { column: eventArm(ctx), as: 'arm' };
    const bySoc = { column: col(ctx, 'ae_body_system'), as: 'soc' };
    const byTerm = { column: col(ctx, 'ae_term'), as: 'term' };
    const queries: Record<string, QuerySpec> = {
      denominators: {
        ...population,
        groupBy: [{ column: arm, as: 'arm' }],
        measures: [subjectCount(ctx, population.from)],
      },
      any: { ...events, groupBy: [byArm], measures },
      soc: { ...events, groupBy: [byArm, bySoc], measures },
      pt: { ...events, groupBy: [byArm, bySoc, byTerm], measures },
      ...valueQueries(ctx, restrict(ctx, unfiltered, eventFilters(ctx))),
    };
    return queries;
  },

  toTable(results, ctx) {
    const { options } = ctx;
    const denominators = new Map<string, number>();
    for (const row of records(results.denominators)) {
      const arm = textOrNull(row.arm);
      if (arm !== null) denominators.set(arm, count(row.subjects));
    }
    const arms = orderArms(denominators.keys(), options.armOrder);
    const pair = comparedArms(arms, options);
    const notes: string[] = [];

    const anyLines = collect(results.any, undefined, () => ANY_AE);
    const socLines = collect(results.soc, undefined, (soc) => soc ?? UNCODED);
    const ptLines = collect(results.pt, undefined, (_, term) => term ?? UNCODED);
    const anyEvent = anyLines.get(key(null, null)) ?? {
      label: ANY_AE,
      soc: null,
      term: null,
      byArm: new Map(),
      total: null,
    };

    const nOf = (line: Line, arm: string) => line.byArm.get(arm)?.n ?? 0;
    const estimates = (line: Line) => {
      if (!pair) return null;
      const args = [
        nOf(line, pair.comparison),
        denominators.get(pair.comparison) ?? 0,
        nOf(line, pair.reference),
        denominators.get(pair.reference) ?? 0,
      ] as const;
      return { rd: riskDifference(...args), rr: relativeRisk(...args) };
    };
    const rowOf = (line: Line): unknown[] => {
      const e = estimates(line);
      return [
        line.label,
        line.soc,
        line.term,
        ...arms.flatMap((arm) => [nOf(line, arm), percent(nOf(line, arm), denominators.get(arm))]),
        ...(e ? [...asPoints(e.rd), ...asRatio(e.rr)] : []),
      ];
    };

    const columns: WidgetColumn[] = [
      { name: 'label', label: 'Body system / preferred term', type: 'string' },
      { name: 'ae_body_system', label: 'System organ class', type: 'string', field: 'ae_body_system' },
      { name: 'ae_term', label: 'Preferred term', type: 'string', field: 'ae_term' },
      ...arms.flatMap((arm, i): WidgetColumn[] => {
        const head = `${arm} (N=${denominators.get(arm) ?? 0})`;
        return [
          // An arm's count drills to that arm's subjects with the row's event.
          { name: `arm${i + 1}_n`, label: `${head}: n`, type: 'integer', drill: { arm } },
          { name: `arm${i + 1}_pct`, label: `${head}: %`, type: 'number' },
        ];
      }),
    ];
    if (pair) {
      const rd = `Risk difference, % (${pair.comparison} − ${pair.reference})`;
      const rr = `Relative risk (${pair.comparison} / ${pair.reference})`;
      columns.push(
        { name: 'rd_pct', label: `${rd}: estimate`, type: 'number' },
        { name: 'rd_low_pct', label: `${rd}: 95% CI low`, type: 'number' },
        { name: 'rd_high_pct', label: `${rd}: 95% CI high`, type: 'number' },
        { name: 'rr', label: `${rr}: estimate`, type: 'number' },
        { name: 'rr_low', label: `${rr}: 95% CI low`, type: 'number' },
        { name: 'rr_high', label: `${rr}: 95% CI high`, type: 'number' },
      );
    } else {
      notes.push(
        arms.length < 2
          ? 'Risk difference and relative risk need two arms; the data have fewer.'
          : `Risk difference and relative risk: the arms "${options.comparisonArm || '(first other)'}" and "${options.referenceArm || '(reference)'}" must be two different arms of ${arms.join(', ')}.`,
      );
    }

    // Sorting: a header click (the reader's view) wins over the options; "Any adverse event" stays first.
    const viewSort = ctx.view?.sort;
    const sortColumn = viewSort ? columns.findIndex((c) => c.name === viewSort.key) : -1;
    const direction = (viewSort && sortColumn >= 0 ? viewSort.dir : options.sortDirection) === 'asc' ? 1 : -1;
    const frequency = (line: Line) => arms.reduce((sum, arm) => sum + nOf(line, arm), 0);
    const sortValue = (line: Line, row: unknown[]): unknown => {
      if (sortColumn >= 0) return row[sortColumn];
      if (options.sortBy === 'alphabetical') return line.label;
      if (options.sortBy === 'risk_difference') return row[columns.findIndex((c) => c.name === 'rd_pct')];
      if (options.sortBy === 'relative_risk') return row[columns.findIndex((c) => c.name === 'rr')];
      return frequency(line);
    };
    // Options' alphabetical order always reads A to Z; every other order follows the direction.
    const dir = sortColumn < 0 && options.sortBy === 'alphabetical' ? 1 : direction;
    const compare = (a: { line: Line; row: unknown[] }, b: { line: Line; row: unknown[] }) => {
      const va = sortValue(a.line, a.row);
      const vb = sortValue(b.line, b.row);
      const missingA = va === null || va === undefined;
      const missingB = vb === null || vb === undefined;
      // Missing values (no estimate) go last whichever way the column sorts.
      if (missingA !== missingB) return missingA ? 1 : -1;
      let order = 0;
      if (typeof va === 'number' && typeof vb === 'number') order = va - vb;
      else if (!missingA && !missingB) order = String(va).localeCompare(String(vb));
      return order * dir || a.line.label.localeCompare(b.line.label);
    };

    const percentOf = (line: Line, arm: string) => percent(nOf(line, arm), denominators.get(arm)) ?? 0;
    const shown = (line: Line) =>
      options.minPercent <= 0 || arms.some((arm) => percentOf(line, arm) >= options.minPercent);
    const entry = (line: Line) => ({ line, row: rowOf(line) });
    const rows: unknown[][] = [rowOf(anyEvent)];
    let hidden = 0;
    for (const soc of [...socLines.values()].map(entry).sort(compare)) {
      const terms = [...ptLines.values()].filter((line) => line.soc === soc.line.soc);
      const kept = terms.filter(shown).map(entry).sort(compare);
      hidden += terms.length - kept.length;
      if (kept.length > 0 || terms.length === 0) rows.push(soc.row, ...kept.map((k) => k.row));
    }

    notes.push(...cutNotes(results.pt, 'rows of preferred terms by arm'));
    if (hidden > 0)
      notes.push(
        `${hidden} preferred term${hidden === 1 ? '' : 's'} below ${options.minPercent}% in every arm hidden; body-system counts include them`,
      );
    const unapplied = unappliedFilters(ctx);
    if (unapplied.length > 0)
      notes.push(`Not applied, because its field is not mapped: the ${unapplied.join(', ')} filter.`);
    const outside = records(results.any).filter((row) => {
      const arm = textOrNull(row.arm);
      return arm === null || !denominators.has(arm);
    });
    const outsideEvents = outside.reduce((sum, row) => sum + count(row.events), 0);
    if (outsideEvents > 0)
      notes.push(
        `${outsideEvents} event${outsideEvents === 1 ? '' : 's'} of subjects outside the arms shown are left out`,
      );
    const chosen = describeAeFilters(ctx);
    if (chosen) notes.unshift(chosen);
    if (pair)
      notes.push(
        'Risk difference: Wald 95% CI. Relative risk: 95% CI on the log scale, with 0.5 added to every cell of a 2×2 table that has a zero cell.',
      );

    const table: WidgetTable = { columns, rows, controls: aeControls(results, ctx) };
    if (notes.length > 0) table.notes = notes;
    return table;
  },

  toChartOption(table, options) {
    return options.display === 'dot-plot' ? aeExplorerChart(table, options.maxTerms) : undefined;
  },

  drillFilters: allEventFilters,
};
