import { termKey } from '../terms.ts';

/**
 * Colours of AE severity and seriousness, mild to fatal, so the same grade has the same colour in
 * every chart. Values are matched upper-cased; CTCAE grades as `GRADE 3` or `3`.
 */
const SEVERITY: Array<{ values: string[]; color: string }> = [
  { values: ['MILD', 'GRADE 1', '1'], color: '#91cc75' },
  { values: ['MODERATE', 'GRADE 2', '2'], color: '#fac858' },
  { values: ['SEVERE', 'GRADE 3', '3'], color: '#ee6666' },
  { values: ['LIFE THREATENING', 'LIFE-THREATENING', 'GRADE 4', '4'], color: '#9a3b6f' },
  { values: ['FATAL', 'DEATH', 'GRADE 5', '5'], color: '#3b2a3f' },
];

const SERIOUS: Record<string, string> = { Y: '#ee6666', N: '#5470c6' };

const MISSING_COLOR = '#b6bcc6';

function severityRank(value: string): number {
  const at = SEVERITY.findIndex((level) => level.values.includes(termKey(value)));
  return at === -1 ? SEVERITY.length : at;
}

/** Severity values mild first (unknown grades after the known ones, then by name). */
export function bySeverity(a: string, b: string): number {
  return severityRank(a) - severityRank(b) || a.localeCompare(b);
}

/** The colour of a severity or seriousness value; undefined leaves the chart palette to choose. */
export function severityColor(value: string | null, stackBy: 'severity' | 'serious' | 'none'): string | undefined {
  if (value === null) return MISSING_COLOR;
  if (stackBy === 'serious') return SERIOUS[termKey(value)];
  return SEVERITY[severityRank(value)]?.color;
}
