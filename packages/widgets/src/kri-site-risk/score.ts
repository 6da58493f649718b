/**
 * The site score of a key risk indicator, as the open-source `gsm` package (Gilead) computes it for
 * its funnel plots ("normal approximation" method): each site's observed metric against the study's
 * overall metric, in standard errors, with the standard error widened by the over-dispersion the
 * sites show between them.
 *
 * - overall metric μ = Σ numerators / Σ denominators (the study, not the mean of the sites);
 * - unadjusted score z₀ = (metric − μ) / √(V / denominator), V = μ(1 − μ) for a proportion
 *   (binomial), V = μ for a rate (Poisson);
 * - over-dispersion φ = mean of z₀² over the sites;
 * - score z = (metric − μ) / √(φ · V / denominator).
 *
 * A site with a zero denominator has no metric and no score. When μ is 0 (nothing happened
 * anywhere), 1 (a proportion everyone has) or φ is 0 (every site exactly at μ), every score is 0.
 */
export type KriKind = 'binary' | 'rate';

export interface SiteCounts {
  numerator: number;
  denominator: number;
}

export interface SiteScore {
  /** numerator / denominator; null when the denominator is 0. */
  metric: number | null;
  score: number | null;
}

export interface KriScores {
  /** The study's metric, μ. */
  overall: number | null;
  /** The over-dispersion factor, φ. */
  dispersion: number | null;
  sites: SiteScore[];
}

export function normalApproxScores(sites: readonly SiteCounts[], kind: KriKind): KriScores {
  const scored = sites.filter((site) => site.denominator > 0);
  const numerators = scored.reduce((sum, site) => sum + site.numerator, 0);
  const denominators = scored.reduce((sum, site) => sum + site.denominator, 0);
  if (denominators === 0) {
    return { overall: null, dispersion: null, sites: sites.map(() => ({ metric: null, score: null })) };
  }
  const mu = numerators / denominators;
  const variance = kind === 'binary' ? mu * (1 - mu) : mu;
  const metricOf = (site: SiteCounts) => site.numerator / site.denominator;
  const degenerate = variance === 0;
  const z0 = (site: SiteCounts) => (degenerate ? 0 : (metricOf(site) - mu) / Math.sqrt(variance / site.denominator));
  const phi = scored.reduce((sum, site) => sum + z0(site) ** 2, 0) / scored.length;
  return {
    overall: mu,
    dispersion: phi,
    sites: sites.map((site) => {
      if (site.denominator <= 0) return { metric: null, score: null };
      const score =
        degenerate || phi === 0 ? 0 : (metricOf(site) - mu) / Math.sqrt((phi * variance) / site.denominator);
      return { metric: metricOf(site), score };
    }),
  };
}

export type Flag = 'Red' | 'Amber' | 'Green';
export type Direction = 'both' | 'high' | 'low';

/** Red at |z| ≥ red, amber at |z| ≥ amber, in the directions the KRI flags. */
export function flagOf(score: number, thresholds: { amber: number; red: number }, direction: Direction): Flag {
  const high = direction !== 'low';
  const low = direction !== 'high';
  if ((high && score >= thresholds.red) || (low && score <= -thresholds.red)) return 'Red';
  if ((high && score >= thresholds.amber) || (low && score <= -thresholds.amber)) return 'Amber';
  return 'Green';
}
