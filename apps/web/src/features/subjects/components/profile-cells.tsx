import type { ReactNode } from 'react';
import { Badge } from '../../../components/ui/badge.tsx';
import { dateWithDay } from '../lib/profile-dates.ts';
import { SEVERITY_TONES, severityLevel } from '../lib/severity.ts';

/** A missing value, the way every table of the app shows one. */
export function Missing() {
  return <span className="text-subtle-foreground">—</span>;
}

export function orMissing(value: ReactNode): ReactNode {
  return value === null || value === undefined || value === '' ? <Missing /> : value;
}

/** A date with its study day under it, or a dash. */
export function DateCell({ date, day }: { date: string | null; day: number | null }) {
  if (!date && day === null) return <Missing />;
  return (
    <span className="whitespace-nowrap tabular-nums" title={dateWithDay(date, day)}>
      {date ?? `Day ${day}`}
      {date && day !== null ? <span className="ml-1.5 text-xs text-muted-foreground">d{day}</span> : null}
    </span>
  );
}

export function SeverityBadge({ severity }: { severity: string | null }) {
  if (!severity) return <Missing />;
  return <Badge tone={SEVERITY_TONES[severityLevel(severity)]}>{severity}</Badge>;
}
