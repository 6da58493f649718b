import type { BadgeTone } from '../../../components/ui/badge.tsx';

/** Colours of AE severity (MILD/MODERATE/SEVERE or CTCAE grades 1–5), shared by the timeline and the table. */
export const SEVERITY_COLOURS = {
  mild: '#f59e0b',
  moderate: '#ea580c',
  severe: '#b91c1c',
  unknown: '#64748b',
} as const;

export type SeverityLevel = keyof typeof SEVERITY_COLOURS;

export function severityLevel(severity: string | null): SeverityLevel {
  const value = (severity ?? '').trim().toUpperCase();
  if (value === 'MILD' || value === '1' || value === 'GRADE 1') return 'mild';
  if (value === 'MODERATE' || value === '2' || value === 'GRADE 2') return 'moderate';
  if (['SEVERE', '3', '4', '5', 'GRADE 3', 'GRADE 4', 'GRADE 5', 'LIFE THREATENING', 'FATAL'].includes(value))
    return 'severe';
  return 'unknown';
}

export const SEVERITY_TONES: Record<SeverityLevel, BadgeTone> = {
  mild: 'warning',
  moderate: 'warning',
  severe: 'danger',
  unknown: 'neutral',
};

/** How an end-of-study status reads as a badge: completion green, death red, anything else amber. */
export function statusTone(status: string | null, died: boolean): BadgeTone {
  if (died || /DEATH/i.test(status ?? '')) return 'danger';
  if (!status) return 'muted';
  if (/^COMPLETED/i.test(status)) return 'success';
  return 'warning';
}
