import type { TimeBucket } from '@cdp/contracts';

/** Longest run of periods a chart fills in (20 years of weeks); beyond it gaps stay gaps. */
const MAX_PERIODS = 1100;

/** The `YYYY-MM-DD` start of a bucketed period as the query returns it (date or datetime), or null. */
export function periodStart(value: unknown): string | null {
  if (typeof value !== 'string') return null;
  const day = value.slice(0, 10);
  return /^\d{4}-\d{2}-\d{2}$/.test(day) ? day : null;
}

function toDate(day: string): Date {
  return new Date(`${day}T00:00:00Z`);
}

function toDay(date: Date): string {
  return date.toISOString().slice(0, 10);
}

/** The start of the period after the one starting on `start`. */
export function nextPeriod(start: string, bucket: TimeBucket): string {
  const date = toDate(start);
  if (bucket === 'day') date.setUTCDate(date.getUTCDate() + 1);
  else if (bucket === 'week') date.setUTCDate(date.getUTCDate() + 7);
  else if (bucket === 'month') date.setUTCMonth(date.getUTCMonth() + 1);
  else if (bucket === 'quarter') date.setUTCMonth(date.getUTCMonth() + 3);
  else date.setUTCFullYear(date.getUTCFullYear() + 1);
  return toDay(date);
}

/** The start of the period a day falls in (weeks start on Monday, as DuckDB's `date_trunc`). */
export function truncate(day: string, bucket: TimeBucket): string {
  const date = toDate(day);
  if (bucket === 'week') date.setUTCDate(date.getUTCDate() - ((date.getUTCDay() + 6) % 7));
  if (bucket === 'month' || bucket === 'quarter' || bucket === 'year') date.setUTCDate(1);
  if (bucket === 'quarter') date.setUTCMonth(date.getUTCMonth() - (date.getUTCMonth() % 3));
  if (bucket === 'year') date.setUTCMonth(0);
  return toDay(date);
}

/**
 * Every period start from `first` to `last` inclusive, so a chart shows empty periods as zero
 * instead of joining its neighbours. Stops after MAX_PERIODS.
 */
export function periodRange(first: string, last: string, bucket: TimeBucket): string[] {
  const periods: string[] = [];
  for (
    let period = truncate(first, bucket);
    period <= last && periods.length < MAX_PERIODS;
    period = nextPeriod(period, bucket)
  ) {
    periods.push(period);
  }
  return periods;
}

/** How a period reads on an axis: `2024-03`, `2024-Q1`, `2024`, or the day for days and weeks. */
export function periodLabel(start: string, bucket: TimeBucket): string {
  if (bucket === 'month') return start.slice(0, 7);
  if (bucket === 'quarter') return `${start.slice(0, 4)}-Q${Math.floor(Number(start.slice(5, 7)) / 3) + 1}`;
  if (bucket === 'year') return start.slice(0, 4);
  return start;
}
