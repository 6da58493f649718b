/**
 * ISO 8601 text → the numeric units of `ColumnValues` (days, milliseconds, seconds since the epoch
 * or midnight). Only complete values are accepted: clinical data is full of partial dates
 * (`2019-03`, `2019---15`), and a reader that guessed the missing parts would invent data. Values
 * with a UTC offset are refused too, because this platform's datetimes carry no zone and dropping
 * or applying the offset would change the wall-clock time a site recorded.
 */

const DATE = /^(\d{4})-(\d{2})-(\d{2})$/;
const DATETIME = /^(\d{4})-(\d{2})-(\d{2})T(\d{2}):(\d{2})(?::(\d{2})(\.\d+)?)?$/;
const TIME = /^(\d{2}):(\d{2})(?::(\d{2})(\.\d+)?)?$/;

const MS_PER_DAY = 86_400_000;

/** `2014-01-02` → days since 1970-01-01, or `undefined` when not a complete, valid date. */
export function parseIsoDate(text: string): number | undefined {
  const m = DATE.exec(text);
  if (!m) return undefined;
  return epochDays(Number(m[1]), Number(m[2]), Number(m[3]));
}

/** `2014-01-02T13:45:10.5` → milliseconds since 1970-01-01T00:00:00, or `undefined`. */
export function parseIsoDatetime(text: string): number | undefined {
  const m = DATETIME.exec(text);
  if (!m) return undefined;
  const days = epochDays(Number(m[1]), Number(m[2]), Number(m[3]));
  const seconds = secondsOfDay(m[4], m[5], m[6], m[7]);
  if (days === undefined || seconds === undefined) return undefined;
  return days * MS_PER_DAY + Math.round(seconds * 1000);
}

/** `13:45` or `13:45:10.25` → seconds since midnight, or `undefined`. */
export function parseIsoTime(text: string): number | undefined {
  const m = TIME.exec(text);
  if (!m) return undefined;
  return secondsOfDay(m[1], m[2], m[3], m[4]);
}

function secondsOfDay(
  h: string | undefined,
  mi: string | undefined,
  s?: string,
  fraction?: string,
): number | undefined {
  const hours = Number(h);
  const minutes = Number(mi);
  const seconds = s === undefined ? 0 : Number(s);
  if (hours > 23 || minutes > 59 || seconds > 59) return undefined;
  return hours * 3600 + minutes * 60 + seconds + (fraction ? Number(fraction) : 0);
}

/**
 * Days since 1970-01-01 of a proleptic Gregorian date (Howard Hinnant's `days_from_civil`).
 * Plain arithmetic rather than `Date.UTC`, which maps years 0-99 to 1900-1999.
 */
function epochDays(year: number, month: number, day: number): number | undefined {
  if (month < 1 || month > 12 || day < 1 || day > daysInMonth(year, month)) return undefined;
  const y = month <= 2 ? year - 1 : year;
  const era = Math.floor(y / 400);
  const yoe = y - era * 400;
  const doy = Math.floor((153 * (month + (month > 2 ? -3 : 9)) + 2) / 5) + day - 1;
  const doe = yoe * 365 + Math.floor(yoe / 4) - Math.floor(yoe / 100) + doy;
  return era * 146_097 + doe - 719_468;
}

function daysInMonth(year: number, month: number): number {
  if (month === 2) return (year % 4 === 0 && year % 100 !== 0) || year % 400 === 0 ? 29 : 28;
  return [4, 6, 9, 11].includes(month) ? 30 : 31;
}
