import type { ColumnRef, QueryFilter } from '@cdp/contracts';
import { z } from 'zod';
import { armExclusion, UNTREATED_ARMS } from '../demographics/arms.ts';
import { col, maybeCol, WidgetError } from '../query-helpers.ts';
import type { WidgetContext } from '../types.ts';

/**
 * What the lab widgets (eDISH, shifts, trends, outliers) share: who is counted (the analysis
 * population, in a treatment arm) and which records are on treatment.
 */

export const populationOptions = {
  populationFlag: z
    .boolean()
    .default(true)
    .describe("Keep subjects whose population flag (SAFFL) is 'Y', when it is mapped"),
  excludeArms: z
    .array(z.string())
    .default([...UNTREATED_ARMS])
    .describe('Arm values left out: screen failures, not assigned, not treated'),
  armOrder: z
    .array(z.string())
    .default([])
    .describe('Arms listed here come first, in this order; the rest follow by name'),
};

export interface PopulationOptions {
  populationFlag: boolean;
  excludeArms: string[];
  armOrder: string[];
}

/**
 * A subject-level field read from the population: ADaM repeats ADSL variables in ADLB under the
 * same name, and a condition on the copy would be a condition on lab records.
 */
export function onPopulation(ctx: WidgetContext<unknown>, ref: ColumnRef): ColumnRef {
  const population = ctx.population;
  if (!population || ref.dataset.toUpperCase() === population.toUpperCase()) return ref;
  return { dataset: population, column: ref.column };
}

/** The subject's arm, from the population. */
export function armOf(ctx: WidgetContext<unknown>): ColumnRef {
  return onPopulation(ctx, col(ctx, 'arm'));
}

/** Population flag 'Y' (when mapped and asked for) and the arm not among the excluded ones. */
export function populationFilters(ctx: WidgetContext<PopulationOptions>): QueryFilter[] {
  const flag = maybeCol(ctx, 'population_flag');
  return [
    ...(flag && ctx.options.populationFlag ? [{ column: onPopulation(ctx, flag), op: 'eq' as const, value: 'Y' }] : []),
    ...armExclusion(armOf(ctx), ctx.options.excludeArms),
  ];
}

/** The first-dose date (ADSL TRTSDT, DM RFXSTDTC) on the population, when mapped. */
export function treatmentStart(ctx: WidgetContext<unknown>): ColumnRef | undefined {
  const start = maybeCol(ctx, 'treatment_start');
  return start ? onPopulation(ctx, start) : undefined;
}

/**
 * Records on treatment: the on-treatment flag (ADaM ONTRTFL, ANL01FL) when mapped, else a lab date
 * on or after the first dose. Neither mapped: the widget says what to map rather than showing all
 * records under an "on treatment" title.
 */
export function onTreatmentFilters(ctx: WidgetContext<unknown>): QueryFilter[] {
  const flag = maybeCol(ctx, 'on_treatment_flag');
  if (flag) return [{ column: flag, op: 'eq', value: 'Y' }];
  const date = maybeCol(ctx, 'lab_date');
  const start = treatmentStart(ctx);
  if (date && start) return [{ column: date, op: 'ge', against: { column: start } }];
  throw new WidgetError(
    'on-treatment values need the on-treatment flag (ONTRTFL) or both the lab date and the first treatment date mapped',
  );
}
