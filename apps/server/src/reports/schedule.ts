import { type ReportSchedule, WEEKDAYS } from '@cdp/contracts';
import cronParser from 'cron-parser';

/**
 * When a scheduled report runs: pure, in the schedule's IANA zone (Intl for the zone rules,
 * cron-parser for custom cron). A wall-clock time that does not exist on a spring-forward day
 * (02:30 in Europe/Berlin on the last Sunday of March) runs at the same distance past the gap
 * (03:30 local, as Temporal's "compatible" disambiguation does); a time that occurs twice on a
 * fall-back day runs at its first occurrence only. A monthly day past the month's end (31st in
 * February) runs on the month's last day.
 */

/** The shortest gap a custom cron may have between runs: a report is not a heartbeat. */
export const MIN_CRON_INTERVAL_MINUTES = 5;

interface Wall {
  year: number;
  month: number; // 1–12
  day: number;
  hour: number;
  minute: number;
}

const formatters = new Map<string, Intl.DateTimeFormat>();

function formatterOf(timeZone: string): Intl.DateTimeFormat {
  let f = formatters.get(timeZone);
  if (!f) {
    f = new Intl.DateTimeFormat('en-US', {
      timeZone,
      hourCycle: 'h23',
      year: 'numeric',
      month: 'numeric',
      day: 'numeric',
      hour: 'numeric',
      minute: 'numeric',
      second: 'numeric',
    });
    formatters.set(timeZone, f);
  }
  return f;
}

/** The wall-clock time at an instant in a zone. */
export function wallAt(instant: number, timeZone: string): Wall & { second: number } {
  const parts = Object.fromEntries(
    formatterOf(timeZone)
      .formatToParts(new Date(instant))
      .map((p) => [p.type, p.value]),
  );
  return {
    year: Number(parts.year),
    month: Number(parts.month),
    day: Number(parts.day),
    hour: Number(parts.hour),
    minute: Number(parts.minute),
    second: Number(parts.second),
  };
}

/** The zone's offset from UTC at an instant, in milliseconds. */
function offsetAt(instant: number, timeZone: string): number {
  const w = wallAt(instant, timeZone);
  const asUtc = Date.UTC(w.year, w.month - 1, w.day, w.hour, w.minute, w.second);
  return asUtc - Math.floor(instant / 1000) * 1000;
}

/** The instant of a wall-clock time in a zone (gap: shifted past it; overlap: the earlier one). */
export function instantOf(wall: Wall, timeZone: string): number {
  const naive = Date.UTC(wall.year, wall.month - 1, wall.day, wall.hour, wall.minute);
  // The offset can only be one of those around the instant: try both sides of a possible change.
  const before = offsetAt(naive - 86_400_000, timeZone);
  const after = offsetAt(naive + 86_400_000, timeZone);
  const candidates = [...new Set([before, after])]
    .map((offset) => naive - offset)
    .filter((instant) => {
      const w = wallAt(instant, timeZone);
      return w.hour === wall.hour && w.minute === wall.minute && w.day === wall.day;
    })
    .sort((a, b) => a - b);
  const first = candidates[0];
  if (first !== undefined) return first;
  // In the spring-forward gap: the offset before the change puts it as far past the gap as it was into it.
  return naive - Math.min(before, after);
}

function daysInMonth(year: number, month: number): number {
  return new Date(Date.UTC(year, month, 0)).getUTCDate();
}

/** 0 = Monday … 6 = Sunday, for a calendar date. */
function weekdayOf(year: number, month: number, day: number): number {
  return (new Date(Date.UTC(year, month - 1, day)).getUTCDay() + 6) % 7;
}

function runsOnDate(schedule: Exclude<ReportSchedule, { type: 'cron' }>, y: number, m: number, d: number): boolean {
  if (schedule.type === 'daily') return true;
  if (schedule.type === 'weekly')
    return schedule.days.includes(WEEKDAYS[weekdayOf(y, m, d)] as (typeof WEEKDAYS)[number]);
  const last = daysInMonth(y, m);
  const wanted = schedule.dayOfMonth === 'last' ? last : Math.min(schedule.dayOfMonth, last);
  return d === wanted;
}

/** The next `count` runs strictly after `after`. */
export function nextRuns(schedule: ReportSchedule, after: Date, count: number): Date[] {
  if (schedule.type === 'cron') {
    const expression = cronParser.parseExpression(schedule.cron, { tz: schedule.timeZone, currentDate: after });
    const out: Date[] = [];
    for (let i = 0; i < count; i += 1) out.push(expression.next().toDate());
    return out;
  }
  const [hour, minute] = schedule.time.split(':').map(Number) as [number, number];
  const start = wallAt(after.getTime(), schedule.timeZone);
  const out: Date[] = [];
  // Calendar days in the zone, from the local date of `after`; at most ~13 months for 5 monthly runs.
  let cursor = Date.UTC(start.year, start.month - 1, start.day);
  for (let i = 0; out.length < count && i < 366 * 4; i += 1, cursor += 86_400_000) {
    const date = new Date(cursor);
    const y = date.getUTCFullYear();
    const m = date.getUTCMonth() + 1;
    const d = date.getUTCDate();
    if (!runsOnDate(schedule, y, m, d)) continue;
    const instant = instantOf({ year: y, month: m, day: d, hour, minute }, schedule.timeZone);
    if (instant > after.getTime()) out.push(new Date(instant));
  }
  return out;
}

export function nextRun(schedule: ReportSchedule, after: Date): Date | null {
  return nextRuns(schedule, after, 1)[0] ?? null;
}

/**
 * What is wrong with a custom cron, or null: it must parse, have five fields, fire at all, and
 * not more often than every MIN_CRON_INTERVAL_MINUTES.
 */
export function cronScheduleProblem(cron: string, timeZone: string): string | null {
  const fields = cron.trim().split(/\s+/);
  if (fields.length !== 5) {
    return `give five fields (minute hour day-of-month month day-of-week); "${cron}" has ${fields.length}`;
  }
  let expression: ReturnType<typeof cronParser.parseExpression>;
  try {
    expression = cronParser.parseExpression(cron, { tz: timeZone });
  } catch (error) {
    const message = error instanceof Error ? error.message : String(error);
    // cron-parser refuses a day that no month has (30 February) at parse time.
    if (/explicit day of month/i.test(message)) return `"${cron}" never fires (no month has that day)`;
    return `"${cron}" is not a valid cron expression: ${message}`;
  }
  try {
    // Five years cover every day-of-month/month combination that exists (29 February included).
    const until = new Date(Date.now() + 5 * 366 * 86_400_000);
    cronParser.parseExpression(cron, { tz: timeZone, endDate: until }).next();
  } catch {
    return `"${cron}" never fires (no date matches it)`;
  }
  const minutes = [...expression.fields.minute].sort((a, b) => a - b);
  const hours: number[] = [...expression.fields.hour];
  const gaps = minutes.slice(1).map((m, i) => m - (minutes[i] as number));
  // The last minute of an hour and the first of the next, when consecutive hours both run.
  const consecutiveHours = hours.some((h) => hours.includes((h + 1) % 24));
  if (consecutiveHours && minutes.length > 0) gaps.push(60 - (minutes.at(-1) as number) + (minutes[0] as number));
  const smallest = Math.min(...gaps);
  if (gaps.length > 0 && smallest < MIN_CRON_INTERVAL_MINUTES) {
    return `"${cron}" fires every ${smallest} minute(s); a report may run at most every ${MIN_CRON_INTERVAL_MINUTES} minutes`;
  }
  return null;
}

const DAY_NAMES: Record<(typeof WEEKDAYS)[number], string> = {
  mon: 'Monday',
  tue: 'Tuesday',
  wed: 'Wednesday',
  thu: 'Thursday',
  fri: 'Friday',
  sat: 'Saturday',
  sun: 'Sunday',
};

function ordinal(n: number): string {
  const s = n % 100 >= 11 && n % 100 <= 13 ? 'th' : (['th', 'st', 'nd', 'rd'][n % 10] ?? 'th');
  return `${n}${s}`;
}

/** The schedule in words: "Every Monday and Thursday at 08:00 (Europe/Berlin)". */
export function describeSchedule(schedule: ReportSchedule): string {
  const zone = `(${schedule.timeZone})`;
  if (schedule.type === 'cron') return `Cron "${schedule.cron}" ${zone}`;
  const at = `at ${schedule.time} ${zone}`;
  if (schedule.type === 'daily') return `Every day ${at}`;
  if (schedule.type === 'weekly') {
    const ordered = WEEKDAYS.filter((d) => schedule.days.includes(d));
    if (ordered.length === 7) return `Every day ${at}`;
    const names = ordered.map((d) => DAY_NAMES[d]);
    const list = names.length > 1 ? `${names.slice(0, -1).join(', ')} and ${names.at(-1)}` : names[0];
    return `Every ${list} ${at}`;
  }
  const day = schedule.dayOfMonth === 'last' ? 'the last day' : `the ${ordinal(schedule.dayOfMonth)}`;
  return `Monthly on ${day} ${at}`;
}

/** A run's wall-clock time in the schedule's zone, "2027-03-29 08:00 CEST". */
export function localLabel(instant: Date, timeZone: string): string {
  const w = wallAt(instant.getTime(), timeZone);
  const zoneName =
    new Intl.DateTimeFormat('en-US', { timeZone, timeZoneName: 'short' })
      .formatToParts(instant)
      .find((p) => p.type === 'timeZoneName')?.value ?? timeZone;
  const pad = (n: number) => String(n).padStart(2, '0');
  return `${w.year}-${pad(w.month)}-${pad(w.day)} ${pad(w.hour)}:${pad(w.minute)} ${zoneName}`;
}
