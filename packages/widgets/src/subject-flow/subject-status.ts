import type { ColumnRef, QueryFilter } from '@cdp/contracts';
import { maybeCol } from '../query-helpers.ts';
import type { WidgetContext } from '../types.ts';
import type { DispositionOptions } from './disposition-options.ts';

/** How SDTM marks a screen failure: DM ARM / ARMCD, and DS DSDECOD. */
export const SCREEN_FAILURE_VALUES = ['Screen Failure', 'SCRNFAIL', 'SCREEN FAILURE'];

/** End-of-study values meaning the subject completed (DS DSDECOD, ADSL DCDECOD and EOSSTT). */
export const COMPLETED_VALUES = ['COMPLETED'];

/** The DS category of end-of-study records (the others are protocol milestones). */
export const DISPOSITION_EVENT = 'DISPOSITION EVENT';

/**
 * Disposition values that are no end of study: DS milestones (when DSCAT is not mapped to tell
 * them apart), EOSSTT ONGOING, and blanks (SAS writes missing text as blanks).
 */
export const NOT_AN_OUTCOME = ['INFORMED CONSENT OBTAINED', 'RANDOMIZED', 'ONGOING', ''];

/** The column that tells screen failures apart: a dedicated marker, else the arm. */
export function screenFailureColumn(ctx: WidgetContext<unknown>): ColumnRef | undefined {
  return maybeCol(ctx, 'screen_failure') ?? maybeCol(ctx, 'arm');
}

/** Subjects whose screen-failure column holds one of `values`. */
export function screenFailureFilters(
  ctx: WidgetContext<unknown>,
  values: readonly string[],
): QueryFilter[] | undefined {
  const column = screenFailureColumn(ctx);
  return column ? [{ column, op: 'in', value: [...values] }] : undefined;
}

/**
 * Who is enrolled, from the best evidence mapped: a randomized flag, then an enrollment date, then
 * "not a screen failure" when that is a subject-level column (a NOT IN over DS rows would match
 * the consent milestone of every screen failure). Undefined when nothing mapped can tell: callers
 * then take screened minus screen failures, or everyone.
 */
export function enrolledFilters(
  ctx: WidgetContext<unknown>,
  screenFailureValues: readonly string[],
): QueryFilter[] | undefined {
  const flag = maybeCol(ctx, 'randomized_flag');
  if (flag) return [{ column: flag, op: 'eq', value: 'Y' }];
  const date = maybeCol(ctx, 'enrollment_date');
  if (date) return [{ column: date, op: 'notnull' }];
  const screenFailure = screenFailureColumn(ctx);
  const subjectLevel = [ctx.dataset, ctx.population].some(
    (name) => name?.toUpperCase() === screenFailure?.dataset.toUpperCase(),
  );
  if (screenFailure && subjectLevel) return [{ column: screenFailure, op: 'nin', value: [...screenFailureValues] }];
  return undefined;
}

/**
 * The end-of-study record: DSCAT = DISPOSITION EVENT when the category is mapped in the same
 * dataset as the disposition (in ADSL there is no category and one value per subject).
 */
export function dispositionRecordFilters(ctx: WidgetContext<unknown>, category: string): QueryFilter[] {
  const disposition = maybeCol(ctx, 'disposition');
  const categoryColumn = maybeCol(ctx, 'disposition_category');
  if (!disposition || !categoryColumn || !category) return [];
  if (categoryColumn.dataset.toUpperCase() !== disposition.dataset.toUpperCase()) return [];
  return [{ column: categoryColumn, op: 'eq', value: category }];
}

/** Values of the disposition that are neither a completion nor a discontinuation reason. */
export function notDiscontinued(options: DispositionOptions): string[] {
  return [...new Set([...options.completedValues, ...options.screenFailureValues, ...NOT_AN_OUTCOME])];
}

/** Subjects with an end-of-study record that is a discontinuation. Undefined without a disposition. */
export function discontinuedFilters(
  ctx: WidgetContext<unknown>,
  options: DispositionOptions,
): QueryFilter[] | undefined {
  const disposition = maybeCol(ctx, 'disposition');
  if (!disposition) return undefined;
  return [
    ...dispositionRecordFilters(ctx, options.dispositionCategory),
    { column: disposition, op: 'notnull' },
    { column: disposition, op: 'nin', value: notDiscontinued(options) },
  ];
}
