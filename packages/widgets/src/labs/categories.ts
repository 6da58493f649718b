import type { QueryFilter } from '@cdp/contracts';
import { col, maybeCol, WidgetError } from '../query-helpers.ts';
import type { WidgetContext } from '../types.ts';

export const CATEGORIES = ['LOW', 'NORMAL', 'HIGH'] as const;
export type Category = (typeof CATEGORIES)[number];

/** How labs write the reference range indicator (SDTM LBNRIND, ADaM ANRIND): words or letters. */
const INDICATOR_VALUES = { LOW: ['LOW', 'L', 'LL'], NORMAL: ['NORMAL', 'N'], HIGH: ['HIGH', 'H', 'HH'] } as const;

/**
 * The conditions that make a record LOW, HIGH or "has a category": the reference range indicator
 * when it is mapped (what the lab reported), else the value against the record's own limits
 * (below LLN is LOW, above ULN is HIGH; a missing limit never makes a value abnormal).
 */
export function categoryFilters(ctx: WidgetContext<unknown>): Record<'LOW' | 'HIGH' | 'ANY', QueryFilter[]> {
  const indicator = maybeCol(ctx, 'lab_indicator');
  if (indicator) {
    return {
      LOW: [{ column: indicator, op: 'in', value: [...INDICATOR_VALUES.LOW] }],
      HIGH: [{ column: indicator, op: 'in', value: [...INDICATOR_VALUES.HIGH] }],
      ANY: [{ column: indicator, op: 'in', value: CATEGORIES.flatMap((c) => INDICATOR_VALUES[c]) }],
    };
  }
  const value = col(ctx, 'lab_value');
  const lln = maybeCol(ctx, 'lab_lln');
  const uln = maybeCol(ctx, 'lab_uln');
  if (!lln && !uln) {
    throw new WidgetError(
      'map the reference range indicator (LBNRIND, ANRIND) or the lower and upper limits of normal',
    );
  }
  // `in []` matches nothing: without a limit, no value is abnormal on that side.
  const never: QueryFilter = { column: value, op: 'in', value: [] };
  return {
    LOW: lln ? [{ column: value, op: 'lt', against: { column: lln } }] : [never],
    HIGH: uln ? [{ column: value, op: 'gt', against: { column: uln } }] : [never],
    ANY: [{ column: value, op: 'notnull' }],
  };
}

/**
 * A category from counts of LOW, HIGH and all categorised records: `toward` HIGH takes the highest
 * category present (HIGH, else NORMAL, else LOW), toward LOW the lowest; null when there is none.
 */
export function worst(counts: { low: number; high: number; any: number }, toward: 'HIGH' | 'LOW'): Category | null {
  const normal = counts.any - counts.low - counts.high > 0;
  const order: Category[] = toward === 'HIGH' ? ['HIGH', 'NORMAL', 'LOW'] : ['LOW', 'NORMAL', 'HIGH'];
  for (const category of order) {
    if (category === 'HIGH' && counts.high > 0) return 'HIGH';
    if (category === 'LOW' && counts.low > 0) return 'LOW';
    if (category === 'NORMAL' && normal) return 'NORMAL';
  }
  return null;
}
