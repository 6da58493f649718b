/**
 * ISO 8601 dates as SDTM records them, partial ones included: `2014-03-17`, `2014-03-17T10:30`,
 * `2014-03` and `2014` read as the first moment they can mean (UTC), anything else as unknown.
 */
export function parseIsoDate(value: string | null | undefined): number | null {
  if (!value) return null;
  const match = /^(\d{4})(?:-(\d{2})(?:-(\d{2})(?:T(\d{2}):(\d{2})(?::(\d{2}))?)?)?)?/.exec(value.trim());
  if (!match) return null;
  const [, y, m = '01', d = '01', hh = '00', mm = '00', ss = '00'] = match;
  const time = Date.UTC(Number(y), Number(m) - 1, Number(d), Number(hh), Number(mm), Number(ss));
  return Number.isFinite(time) ? time : null;
}

/** A recorded date with its study day when there is one: "2014-03-17 (day 15)". */
export function dateWithDay(date: string | null, day: number | null): string {
  if (!date && day === null) return '—';
  if (!date) return `Day ${day}`;
  return day === null ? date : `${date} (day ${day})`;
}
