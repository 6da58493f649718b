/**
 * Dates as whole days since 1970-01-01 (the `date` unit of RowBatch), rendered the way SDTM
 * stores them: ISO 8601 character values in --DTC, and a numeric --DY relative to RFSTDTC.
 */

const MS_PER_DAY = 86_400_000;

export function dayNumber(isoDate: string): number {
  return Math.round(Date.parse(`${isoDate}T00:00:00Z`) / MS_PER_DAY);
}

export function isoDate(day: number): string {
  return new Date(day * MS_PER_DAY).toISOString().slice(0, 10);
}

/** An --DTC value, or null when the event did not happen. */
export function dtc(day: number | null): string | null {
  return day === null ? null : isoDate(day);
}

/** SDTM study day: day 1 is the reference start, the day before it is -1; there is no day 0. */
export function studyDay(day: number, referenceStart: number | null): number | null {
  if (referenceStart === null) return null;
  return day >= referenceStart ? day - referenceStart + 1 : day - referenceStart;
}
