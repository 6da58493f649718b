import type { Random } from './random.ts';
import type { LiverEventKind } from './study-plan.ts';

/**
 * How planted liver events look in the labs, as multiples of the upper limit of normal (ULN).
 * Each kind has a peak range per test and a time course over the visits around onset (the visit
 * before, onset, and the next three). The ranges keep a margin over the eDISH thresholds so
 * that rounding in either unit system never moves a case across a line:
 * - hys-law: ALT 5–12×, AST 4–9×, bilirubin 2.8–5× (0.8 of it already at onset, so both are
 *   above threshold at the same visit), ALP under 1.6×;
 * - transaminase: ALT 3.3–8× with normal bilirubin (Temple's corollary quadrant);
 * - cholestatic: ALP 2.5–4× and bilirubin 2.6–3.6× with ALT under 3× (not Hy's law).
 */

const LIVER_TESTS = ['ALT', 'AST', 'BILI', 'ALP'] as const;
type LiverTest = (typeof LIVER_TESTS)[number];

interface Pattern {
  peak: Record<LiverTest, readonly [number, number]>;
  /** Share of the peak at visits onset-1, onset, onset+1, onset+2, onset+3; 0 leaves the value alone. */
  course: Record<LiverTest, readonly [number, number, number, number, number]>;
}

const PATTERNS: Record<LiverEventKind, Pattern> = {
  'hys-law': {
    peak: { ALT: [5, 12], AST: [4, 9], BILI: [2.8, 5], ALP: [0.9, 1.6] },
    course: {
      ALT: [0.35, 1, 0.7, 0.3, 0.12],
      AST: [0.3, 1, 0.6, 0.25, 0.1],
      BILI: [0, 0.8, 1, 0.5, 0.25],
      ALP: [0, 1, 1, 0.6, 0],
    },
  },
  transaminase: {
    peak: { ALT: [3.3, 8], AST: [2, 4.5], BILI: [0, 0], ALP: [0, 0] },
    course: {
      ALT: [0.3, 1, 0.45, 0.2, 0],
      AST: [0.3, 1, 0.45, 0.2, 0],
      BILI: [0, 0, 0, 0, 0],
      ALP: [0, 0, 0, 0, 0],
    },
  },
  cholestatic: {
    peak: { ALT: [1.5, 2.8], AST: [1.2, 2.2], BILI: [2.6, 3.6], ALP: [2.5, 4] },
    course: {
      ALT: [0, 1, 0.7, 0.35, 0],
      AST: [0, 1, 0.7, 0.35, 0],
      BILI: [0, 0.9, 1, 0.5, 0.2],
      ALP: [0.3, 1, 0.8, 0.5, 0.3],
    },
  },
};

/** One subject's event: peak multiples drawn once, then the multiple at any visit. */
export class LiverCourse {
  private readonly peaks: Record<LiverTest, number>;

  constructor(
    rng: Random,
    private readonly kind: LiverEventKind,
  ) {
    const { peak } = PATTERNS[kind];
    this.peaks = {
      ALT: rng.uniform(...peak.ALT),
      AST: rng.uniform(...peak.AST),
      BILI: rng.uniform(...peak.BILI),
      ALP: rng.uniform(...peak.ALP),
    };
  }

  /** The ×ULN level at `phase` visits after onset, or 0 where the event does not show. */
  multiple(test: string, phase: number): number {
    if (!isLiverTest(test)) return 0;
    const share = PATTERNS[this.kind].course[test][phase + 1] ?? 0;
    return share * this.peaks[test];
  }
}

export function isLiverTest(code: string): code is LiverTest {
  return (LIVER_TESTS as readonly string[]).includes(code);
}
