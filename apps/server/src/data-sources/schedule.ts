import cronParser from 'cron-parser';

/** The next occurrence of a source's schedule after `now`, in its time zone; null when manual or disabled. */
export function nextRunAt(
  source: { enabled: boolean; schedule: { cron: string; timeZone: string } | null },
  now = new Date(),
): Date | null {
  if (!source.enabled || !source.schedule) return null;
  try {
    return cronParser
      .parseExpression(source.schedule.cron, { tz: source.schedule.timeZone, currentDate: now })
      .next()
      .toDate();
  } catch {
    return null;
  }
}
