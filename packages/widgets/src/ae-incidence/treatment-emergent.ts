import type { QueryFilter } from '@cdp/contracts';
import { maybeCol } from '../query-helpers.ts';
import type { WidgetContext } from '../types.ts';

/**
 * `ae_treatment_emergent = 'Y'` when the widget asks for treatment-emergent events only and the
 * flag (ADAE TRTEMFL) is mapped. SDTM AE has no flag: all its events count.
 */
export function treatmentEmergentFilters(ctx: WidgetContext<unknown>, only: boolean): QueryFilter[] {
  const flag = maybeCol(ctx, 'ae_treatment_emergent');
  return only && flag ? [{ column: flag, op: 'eq', value: 'Y' }] : [];
}
