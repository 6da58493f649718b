import type { ColumnRef, QueryFilter } from '@cdp/contracts';

/**
 * Arms that are not treatment groups (CDISC ARM / ARMCD for subjects never randomized): left out
 * of by-arm tables unless the widget's options say otherwise.
 */
export const NON_TREATMENT_ARMS = ['Screen Failure', 'SCRNFAIL', 'Not Assigned', 'NOTASSGN'] as const;

/** Safety tables also leave out randomized subjects who never took a dose. */
export const UNTREATED_ARMS = [...NON_TREATMENT_ARMS, 'Not Treated', 'NOTTRT'] as const;

const collator = new Intl.Collator('en', { numeric: true, sensitivity: 'base' });

/** Distinct arm labels: those in `preferred` first, in that order, then the rest by label. */
export function orderArms(arms: Iterable<string>, preferred: readonly string[]): string[] {
  const rank = (arm: string) => {
    const at = preferred.indexOf(arm);
    return at === -1 ? preferred.length : at;
  };
  return [...new Set(arms)].sort((a, b) => rank(a) - rank(b) || collator.compare(a, b));
}

/** `arm NOT IN (excluded)`; none when nothing is excluded. Subjects without an arm pass (the engine's `nin`). */
export function armExclusion(arm: ColumnRef, excluded: readonly string[]): QueryFilter[] {
  return excluded.length > 0 ? [{ column: arm, op: 'nin', value: [...excluded] }] : [];
}

/** `part` as a percentage of `whole`, one decimal; null when there is no denominator. */
export function percent(part: number, whole: number | null | undefined): number | null {
  if (!whole) return null;
  return Math.round((1000 * part) / whole) / 10;
}
