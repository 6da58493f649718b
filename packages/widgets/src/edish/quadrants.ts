/**
 * eDISH (evaluation of drug-induced serious hepatotoxicity): each subject's peak transaminase and
 * peak total bilirubin, both as multiples of the upper limit of normal, split at 3 × ULN and
 * 2 × ULN (FDA guidance on drug-induced liver injury, 2009). A value at a threshold counts as
 * above it (ALT ≥ 3 × ULN, bilirubin ≥ 2 × ULN), as eDISH and safetyGraphics draw it.
 */
export const TRANSAMINASE_LIMIT = 3;
export const BILIRUBIN_LIMIT = 2;

export const QUADRANTS = {
  hysLaw: "Hy's law range",
  temple: "Temple's corollary",
  cholestasis: 'Cholestasis',
  normal: 'Normal range',
} as const;

export type Quadrant = (typeof QUADRANTS)[keyof typeof QUADRANTS];

/** The quadrant of a point (x: peak transaminase × ULN, y: peak bilirubin × ULN). */
export function quadrantOf(x: number, y: number): Quadrant {
  const liver = x >= TRANSAMINASE_LIMIT;
  const bilirubin = y >= BILIRUBIN_LIMIT;
  if (liver && bilirubin) return QUADRANTS.hysLaw;
  if (liver) return QUADRANTS.temple;
  if (bilirubin) return QUADRANTS.cholestasis;
  return QUADRANTS.normal;
}

/** Table order: Hy's law first, then Temple's corollary, cholestasis, normal. */
export const QUADRANT_ORDER: readonly Quadrant[] = [
  QUADRANTS.hysLaw,
  QUADRANTS.temple,
  QUADRANTS.cholestasis,
  QUADRANTS.normal,
];
