import { type ReportSchedule, WEEKDAYS, type Weekday } from '@cdp/contracts';

/** The schedule builder's state: every kind's fields at once, so switching kind loses nothing. */
export interface ScheduleDraft {
  type: ReportSchedule['type'];
  days: Weekday[];
  dayOfMonth: number | 'last';
  time: string;
  cron: string;
  timeZone: string;
}

export const browserZone = () => Intl.DateTimeFormat().resolvedOptions().timeZone || 'UTC';

export function timeZones(): string[] {
  const supported = (Intl as { supportedValuesOf?: (key: string) => string[] }).supportedValuesOf?.('timeZone') ?? [];
  return supported.includes('UTC') ? supported : ['UTC', ...supported];
}

export const WEEKDAY_LABELS: Record<Weekday, string> = {
  mon: 'Mon',
  tue: 'Tue',
  wed: 'Wed',
  thu: 'Thu',
  fri: 'Fri',
  sat: 'Sat',
  sun: 'Sun',
};

export function draftOf(schedule: ReportSchedule | undefined): ScheduleDraft {
  const base: ScheduleDraft = {
    type: 'weekly',
    days: ['mon'],
    dayOfMonth: 1,
    time: '08:00',
    cron: '0 8 * * 1-5',
    timeZone: browserZone(),
  };
  if (!schedule) return base;
  return { ...base, ...schedule } as ScheduleDraft;
}

export function scheduleOf(draft: ScheduleDraft): ReportSchedule {
  const { time, timeZone } = draft;
  switch (draft.type) {
    case 'daily':
      return { type: 'daily', time, timeZone };
    case 'weekly':
      return { type: 'weekly', days: WEEKDAYS.filter((d) => draft.days.includes(d)), time, timeZone };
    case 'monthly':
      return { type: 'monthly', dayOfMonth: draft.dayOfMonth, time, timeZone };
    case 'cron':
      return { type: 'cron', cron: draft.cron, timeZone };
  }
}

/** Loose address check for the chips; the server's check is the one that counts. */
export const looksLikeEmail = (value: string) => /^[^\s@]+@[^\s@]+\.[^\s@]+$/.test(value);

/** Server field problems keyed by path without the `body.` prefix (`recipients.0`, `schedule.cron`). */
export function fieldErrors(issues: { path: string | (string | number)[]; message: string }[]): Record<string, string> {
  const out: Record<string, string> = {};
  for (const issue of issues) {
    const path = (Array.isArray(issue.path) ? issue.path.join('.') : issue.path).replace(/^body\./, '');
    out[path] ??= issue.message;
  }
  return out;
}

/** The first error whose path is `key` or lies under it. */
export function errorAt(errors: Record<string, string>, key: string): string | undefined {
  if (errors[key]) return errors[key];
  const hit = Object.keys(errors).find((path) => path.startsWith(`${key}.`));
  return hit ? errors[hit] : undefined;
}
