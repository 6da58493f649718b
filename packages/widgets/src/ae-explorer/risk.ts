/** z for a two-sided 95% interval (the 0.975 quantile of the standard normal). */
export const Z95 = 1.959963984540054;

export interface Estimate {
  estimate: number | null;
  low: number | null;
  high: number | null;
}

/**
 * Risk difference p1 − p2 of `a` of `n1` subjects (comparison arm) against `c` of `n2` (reference
 * arm), with the Wald 95% interval p1 − p2 ± z·√(p1(1−p1)/n1 + p2(1−p2)/n2). No continuity
 * correction: with no events in both arms the difference is 0 with a zero-width interval, which
 * is what the data say. Null when an arm has no subjects.
 */
export function riskDifference(a: number, n1: number, c: number, n2: number): Estimate {
  if (n1 <= 0 || n2 <= 0) return { estimate: null, low: null, high: null };
  const p1 = a / n1;
  const p2 = c / n2;
  const rd = p1 - p2;
  const se = Math.sqrt((p1 * (1 - p1)) / n1 + (p2 * (1 - p2)) / n2);
  return { estimate: rd, low: rd - Z95 * se, high: rd + Z95 * se };
}

/**
 * Relative risk p1 / p2 with the 95% interval on the log scale,
 * exp(ln RR ± z·√(1/a − 1/n1 + 1/c − 1/n2)). When any cell of the 2×2 table (a, n1−a, c, n2−c)
 * is zero, 0.5 is added to all four (Haldane–Anscombe) for the estimate and its interval alike,
 * so a term seen in one arm only still gets a finite, if wide, interval. Null when no subject has
 * the event in either arm (nothing to compare) or an arm has no subjects.
 */
export function relativeRisk(a: number, n1: number, c: number, n2: number): Estimate {
  if (n1 <= 0 || n2 <= 0 || (a === 0 && c === 0)) return { estimate: null, low: null, high: null };
  const zeroCell = a === 0 || c === 0 || a === n1 || c === n2;
  const k = zeroCell ? 0.5 : 0;
  const [ea, eb, ec, ed] = [a + k, n1 - a + k, c + k, n2 - c + k];
  const rr = ea / (ea + eb) / (ec / (ec + ed));
  const se = Math.sqrt(1 / ea - 1 / (ea + eb) + 1 / ec - 1 / (ec + ed));
  return { estimate: rr, low: Math.exp(Math.log(rr) - Z95 * se), high: Math.exp(Math.log(rr) + Z95 * se) };
}
