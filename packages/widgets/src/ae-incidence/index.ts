import type { ColumnRef, QueryFilter, QueryResult, QuerySpec, WidgetColumn, WidgetFieldSpec } from '@cdp/contracts';
import { z } from 'zod';
import { armExclusion, orderArms, percent, UNTREATED_ARMS } from '../demographics/arms.ts';
import { field } from '../fields.ts';
import { cutNotes } from '../format.ts';
import { baseSpec, col, maybeCol, subjectCount } from '../query-helpers.ts';
import { restrict } from '../subject-flow/restrict.ts';
import { count, records, textOrNull } from '../subject-listing/records.ts';
import type { WidgetContext, WidgetTable, WidgetType } from '../types.ts';
import { treatmentEmergentFilters } from './treatment-emergent.ts';

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
  minPercent: z
    .number()
    .min(0)
    .max(100)
    .default(0)
    .describe('Hide preferred terms below this percentage in every arm (body systems keep their full counts)'),
  sort: z.enum(['frequency', 'alphabetical']).default('frequency').describe('Order of body systems and terms'),
  showEvents: z.boolean().default(false).describe('Add the number of events per arm'),
  showTotal: z.boolean().default(true).describe('Add a Total column'),
});
type Options = z.infer<typeof Options>;

/** The options that decide who and which events count: shared with the AE explorer. */
export type PopulationOptions = Pick<
  Options,
  'treatmentEmergentOnly' | 'populationFlag' | 'treatedOnly' | 'excludeArms'
>;

/** ADAE TRTA: the treatment an event is counted under, when it may differ from the subject's arm. */
export const EVENT_ARM: WidgetFieldSpec = {
  key: 'event_arm',
  label: 'Treatment at the event',
  required: false,
  types: ['string'],
  source: 'dataset',
  description: "ADAE TRTA; events count under the subject's arm when it is not mapped",
};

export const ANY_AE = 'Any adverse event';
export const UNCODED = '(uncoded)';

/**
 * A subject-level field read from the population. ADaM repeats ADSL variables in ADAE under the
 * same name, so a mapping to the event dataset's copy (ADAE.SAFFL) reads ADSL.SAFFL: a condition
 * on the copy would make the denominators "subjects with an event".
 */
export function onPopulation(ctx: WidgetContext<PopulationOptions>, ref: ColumnRef): ColumnRef {
  const population = ctx.population;
  if (!population || ref.dataset.toUpperCase() === population.toUpperCase()) return ref;
  return { dataset: population, column: ref.column };
}

/** Who is in the denominators: the analysis population, treated, in a treatment arm. */
export function populationFilters(ctx: WidgetContext<PopulationOptions>): QueryFilter[] {
  const flag = maybeCol(ctx, 'population_flag');
  const treated = maybeCol(ctx, 'treatment_start');
  return [
    ...(flag && ctx.options.populationFlag ? [{ column: onPopulation(ctx, flag), op: 'eq' as const, value: 'Y' }] : []),
    ...(treated && ctx.options.treatedOnly ? [{ column: onPopulation(ctx, treated), op: 'notnull' as const }] : []),
    ...armExclusion(onPopulation(ctx, col(ctx, 'arm')), ctx.options.excludeArms),
  ];
}

/** The arm an event counts under: the treatment at the event when mapped, else the subject's arm as mapped. */
export function eventArm(ctx: WidgetContext<PopulationOptions>): ColumnRef {
  return maybeCol(ctx, 'event_arm') ?? col(ctx, 'arm');
}

/** Every condition an event passes to be counted (population and treatment-emergence). */
export function eventFilters(ctx: WidgetContext<PopulationOptions>): QueryFilter[] {
  const treatmentAtEvent = maybeCol(ctx, 'event_arm');
  return [
    ...populationFilters(ctx),
    ...(treatmentAtEvent ? armExclusion(treatmentAtEvent, ctx.options.excludeArms) : []),
    ...treatmentEmergentFilters(ctx, ctx.options.treatmentEmergentOnly),
  ];
}

export interface Cell {
  n: number;
  events: number;
}

export interface Line {
  label: string;
  soc: string | null;
  term: string | null;
  byArm: Map<string, Cell>;
  total: Cell | null;
}

export const key = (...parts: Array<string | null>) => JSON.stringify(parts);

/** Lines keyed by (soc, term) from an arm-grouped and an optional total result. */
export function collect(
  byArm: QueryResult | undefined,
  total: QueryResult | undefined,
  label: (soc: string | null, term: string | null) => string,
): Map<string, Line> {
  const lines = new Map<string, Line>();
  const line = (soc: string | null, term: string | null) => {
    const k = key(soc, term);
    let found = lines.get(k);
    if (!found) {
      found = { label: label(soc, term), soc, term, byArm: new Map(), total: null };
      lines.set(k, found);
    }
    return found;
  };
  for (const row of records(byArm)) {
    const arm = textOrNull(row.arm);
    if (arm !== null)
      line(textOrNull(row.soc), textOrNull(row.term)).byArm.set(arm, {
        n: count(row.subjects),
        events: count(row.events),
      });
  }
  for (const row of records(total)) {
    line(textOrNull(row.soc), textOrNull(row.term)).total = { n: count(row.subjects), events: count(row.events) };
  }
  return lines;
}

/**
 * Adverse event incidence by system organ class and preferred term: subjects with at least one
 * event per arm, as n and % of the arm's subjects in the population (the population's own filters
 * only, so an event filter never shrinks a denominator), and optionally the number of events.
 */
export const aeIncidence: WidgetType<Options> = {
  type: 'ae-incidence',
  name: 'AE incidence by SOC and PT',
  description:
    'Subjects with adverse events by system organ class and preferred term, per arm: n, % of the arm and events.',
  category: 'clinical',
  fields: [
    field('subject_id', true),
    field('arm', true, { description: "The subject's arm in the population (ADSL TRT01A, DM ACTARM)" }),
    field('ae_body_system', true),
    field('ae_term', true),
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
  defaultSize: { w: 8, h: 12 },

  buildQueries(ctx) {
    const arm = onPopulation(ctx, col(ctx, 'arm'));
    const soc = col(ctx, 'ae_body_system');
    const term = col(ctx, 'ae_term');

    const population = restrict(ctx, baseSpec(ctx, { from: 'population', uses: [arm] }), populationFilters(ctx));
    const denominator = [subjectCount(ctx, population.from)];
    const events = restrict(ctx, baseSpec(ctx, { uses: [eventArm(ctx)] }), eventFilters(ctx));
    const measures = [subjectCount(ctx, events.from), { op: 'count' as const, as: 'events' }];
    const byArm = { column: eventArm(ctx), as: 'arm' };
    const bySoc = { column: soc, as: 'soc' };
    const byTerm = { column: term, as: 'term' };

    const queries: Record<string, QuerySpec> = {
      denominators: { ...population, groupBy: [{ column: arm, as: 'arm' }], measures: denominator },
      any: { ...events, groupBy: [byArm], measures },
      soc: { ...events, groupBy: [byArm, bySoc], measures },
      pt: { ...events, groupBy: [byArm, bySoc, byTerm], measures },
    };
    if (ctx.options.showTotal) {
      queries.denominatorTotal = { ...population, measures: denominator };
      queries.anyTotal = { ...events, measures };
      queries.socTotal = { ...events, groupBy: [bySoc], measures };
      queries.ptTotal = { ...events, groupBy: [bySoc, byTerm], measures };
    }
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
    const totalRow = records(results.denominatorTotal)[0];
    const totalN = options.showTotal && totalRow ? count(totalRow.subjects) : null;

    const anyLines = collect(results.any, results.anyTotal, () => ANY_AE);
    const socLines = collect(results.soc, results.socTotal, (soc) => soc ?? UNCODED);
    const ptLines = collect(results.pt, results.ptTotal, (_, term) => term ?? UNCODED);

    const frequency = (line: Line) =>
      line.total?.n ?? arms.reduce((sum, arm) => sum + (line.byArm.get(arm)?.n ?? 0), 0);
    const order = (a: Line, b: Line) =>
      (options.sort === 'frequency' ? frequency(b) - frequency(a) : 0) || a.label.localeCompare(b.label);
    const shown = (line: Line) =>
      options.minPercent <= 0 ||
      arms.some((arm) => (percent(line.byArm.get(arm)?.n ?? 0, denominators.get(arm)) ?? 0) >= options.minPercent) ||
      (line.total !== null && (percent(line.total.n, totalN) ?? 0) >= options.minPercent);

    const anyEvent = anyLines.get(key(null, null)) ?? {
      label: ANY_AE,
      soc: null,
      term: null,
      byArm: new Map(),
      total: null,
    };
    const ordered: Line[] = [anyEvent];
    let hidden = 0;
    for (const soc of [...socLines.values()].sort(order)) {
      const terms = [...ptLines.values()].filter((line) => line.soc === soc.soc);
      const kept = terms.filter(shown).sort(order);
      hidden += terms.length - kept.length;
      if (kept.length > 0 || terms.length === 0) ordered.push(soc, ...kept);
    }

    const cellsOf = (cell: Cell | null | undefined, whole: number | null | undefined) => [
      cell?.n ?? 0,
      percent(cell?.n ?? 0, whole),
      ...(options.showEvents ? [cell?.events ?? 0] : []),
    ];
    const groupColumns = (name: string, label: string): WidgetColumn[] => [
      { name: `${name}_n`, label: `${label}: n`, type: 'integer' },
      { name: `${name}_pct`, label: `${label}: %`, type: 'number' },
      ...(options.showEvents ? [{ name: `${name}_events`, label: `${label}: events`, type: 'integer' as const }] : []),
    ];
    const table: WidgetTable = {
      columns: [
        { name: 'label', label: 'Body system / preferred term', type: 'string' },
        { name: 'ae_body_system', label: 'System organ class', type: 'string', field: 'ae_body_system' },
        { name: 'ae_term', label: 'Preferred term', type: 'string', field: 'ae_term' },
        ...arms.flatMap((arm, i) => groupColumns(`arm${i + 1}`, `${arm} (N=${denominators.get(arm) ?? 0})`)),
        ...(totalN !== null ? groupColumns('total', `Total (N=${totalN})`) : []),
      ],
      rows: ordered.map((line) => [
        line.label,
        line.soc,
        line.term,
        ...arms.flatMap((arm) => cellsOf(line.byArm.get(arm), denominators.get(arm))),
        ...(totalN !== null ? cellsOf(line.total, totalN) : []),
      ]),
    };

    const notes: string[] = [...cutNotes(results.pt, 'rows of preferred terms by arm')];
    if (hidden > 0)
      notes.push(
        `${hidden} preferred term${hidden === 1 ? '' : 's'} below ${options.minPercent}% in every arm hidden; body-system counts include them`,
      );
    const outside = records(results.any).filter((row) => {
      const arm = textOrNull(row.arm);
      return arm === null || !denominators.has(arm);
    });
    const outsideEvents = outside.reduce((sum, row) => sum + count(row.events), 0);
    if (outsideEvents > 0) {
      const where = totalN !== null ? 'are counted in Total only' : 'are left out';
      notes.push(`${outsideEvents} event${outsideEvents === 1 ? '' : 's'} of subjects outside the arms shown ${where}`);
    }
    if (notes.length > 0) table.notes = notes;
    return table;
  },

  drillFilters: eventFilters,
};
