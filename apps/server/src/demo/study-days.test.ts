import { describe, expect, it } from 'vitest';
import { dayNumber, isoDate, studyDay } from './study-days.ts';

describe('study days', () => {
  it.each([
    ['2025-03-10', '2025-03-10', 1],
    ['2025-03-11', '2025-03-10', 2],
    ['2025-03-09', '2025-03-10', -1],
    ['2025-02-28', '2025-03-10', -10],
    ['2024-03-01', '2024-02-28', 3],
  ])('%s with reference %s is day %i (no day 0)', (date, reference, expected) => {
    expect(studyDay(dayNumber(date), dayNumber(reference))).toBe(expected);
  });

  it('has no study day without a reference start (screen failures)', () => {
    expect(studyDay(dayNumber('2025-03-10'), null)).toBeNull();
  });

  it('round-trips ISO dates through day numbers', () => {
    expect(dayNumber('1970-01-01')).toBe(0);
    expect(isoDate(dayNumber('2025-12-31'))).toBe('2025-12-31');
    expect(isoDate(-1)).toBe('1969-12-31');
  });
});
