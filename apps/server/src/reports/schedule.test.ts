import type { ReportSchedule } from '@cdp/contracts';
import { describe, expect, it } from 'vitest';
import { cronScheduleProblem, describeSchedule, localLabel, nextRuns } from './schedule.ts';

/** Expected instants are written out in UTC by hand from the zones' published rules. */
const CASES: { name: string; schedule: ReportSchedule; after: string; expected: string[] }[] = [
  {
    name: 'daily in UTC, later the same day',
    schedule: { type: 'daily', time: '08:00', timeZone: 'UTC' },
    after: '2027-01-10T07:59:00Z',
    expected: ['2027-01-10T08:00:00.000Z', '2027-01-11T08:00:00.000Z'],
  },
  {
    name: 'daily: the run at exactly `after` is not repeated',
    schedule: { type: 'daily', time: '08:00', timeZone: 'UTC' },
    after: '2027-01-10T08:00:00Z',
    expected: ['2027-01-11T08:00:00.000Z'],
  },
  {
    name: 'Europe/Berlin spring forward: 02:30 does not exist on 28 March 2027, runs at 03:30 CEST',
    schedule: { type: 'daily', time: '02:30', timeZone: 'Europe/Berlin' },
    after: '2027-03-27T12:00:00Z',
    expected: ['2027-03-28T01:30:00.000Z', '2027-03-29T00:30:00.000Z'],
  },
  {
    name: 'Europe/Berlin fall back: 02:30 happens twice on 31 October 2027, runs once (the first)',
    schedule: { type: 'daily', time: '02:30', timeZone: 'Europe/Berlin' },
    after: '2027-10-30T12:00:00Z',
    expected: ['2027-10-31T00:30:00.000Z', '2027-11-01T01:30:00.000Z'],
  },
  {
    name: 'Europe/Berlin 08:00 keeps its wall time across the change (UTC shifts by an hour)',
    schedule: { type: 'daily', time: '08:00', timeZone: 'Europe/Berlin' },
    after: '2027-03-27T00:00:00Z',
    expected: ['2027-03-27T07:00:00.000Z', '2027-03-28T06:00:00.000Z'],
  },
  {
    name: 'America/New_York spring forward: 02:30 on 14 March 2027 runs at 03:30 EDT',
    schedule: { type: 'daily', time: '02:30', timeZone: 'America/New_York' },
    after: '2027-03-13T12:00:00Z',
    expected: ['2027-03-14T07:30:00.000Z', '2027-03-15T06:30:00.000Z'],
  },
  {
    name: 'America/New_York fall back: 01:30 on 7 November 2027 runs once, in EDT',
    schedule: { type: 'daily', time: '01:30', timeZone: 'America/New_York' },
    after: '2027-11-06T12:00:00Z',
    expected: ['2027-11-07T05:30:00.000Z', '2027-11-08T06:30:00.000Z'],
  },
  {
    name: 'weekly Monday and Thursday 08:00 in Berlin, across the spring change',
    schedule: { type: 'weekly', days: ['thu', 'mon'], time: '08:00', timeZone: 'Europe/Berlin' },
    after: '2027-03-23T00:00:00Z',
    expected: [
      '2027-03-25T07:00:00.000Z',
      '2027-03-29T06:00:00.000Z',
      '2027-04-01T06:00:00.000Z',
      '2027-04-05T06:00:00.000Z',
    ],
  },
  {
    name: 'weekly Sunday in Asia/Tokyo: the local date, not the UTC date, decides the day',
    schedule: { type: 'weekly', days: ['sun'], time: '07:00', timeZone: 'Asia/Tokyo' },
    after: '2027-01-01T00:00:00Z',
    expected: ['2027-01-02T22:00:00.000Z', '2027-01-09T22:00:00.000Z'],
  },
  {
    name: 'monthly on the 31st: February and the 30-day months run on their last day',
    schedule: { type: 'monthly', dayOfMonth: 31, time: '09:00', timeZone: 'UTC' },
    after: '2027-01-31T10:00:00Z',
    expected: ['2027-02-28T09:00:00.000Z', '2027-03-31T09:00:00.000Z', '2027-04-30T09:00:00.000Z'],
  },
  {
    name: 'monthly on the 30th in a leap year: 29 February 2028',
    schedule: { type: 'monthly', dayOfMonth: 30, time: '09:00', timeZone: 'UTC' },
    after: '2028-01-31T00:00:00Z',
    expected: ['2028-02-29T09:00:00.000Z', '2028-03-30T09:00:00.000Z'],
  },
  {
    name: 'monthly on the last day, across a leap February (New York, EST)',
    schedule: { type: 'monthly', dayOfMonth: 'last', time: '17:00', timeZone: 'America/New_York' },
    after: '2028-01-15T00:00:00Z',
    expected: ['2028-01-31T22:00:00.000Z', '2028-02-29T22:00:00.000Z', '2028-03-31T21:00:00.000Z'],
  },
  {
    name: 'monthly on the 29th, not a leap year: 28 February 2027',
    schedule: { type: 'monthly', dayOfMonth: 29, time: '00:00', timeZone: 'UTC' },
    after: '2027-02-01T00:00:00Z',
    expected: ['2027-02-28T00:00:00.000Z', '2027-03-29T00:00:00.000Z'],
  },
  {
    name: 'custom cron in Berlin (weekdays 07:15), across the spring change',
    schedule: { type: 'cron', cron: '15 7 * * 1-5', timeZone: 'Europe/Berlin' },
    after: '2027-03-26T00:00:00Z',
    expected: ['2027-03-26T06:15:00.000Z', '2027-03-29T05:15:00.000Z'],
  },
];

describe('next run times', () => {
  it.each(CASES)('$name', ({ schedule, after, expected }) => {
    const runs = nextRuns(schedule, new Date(after), expected.length).map((d) => d.toISOString());
    expect(runs).toEqual(expected);
  });

  it('labels a run with its wall-clock time and zone abbreviation', () => {
    expect(localLabel(new Date('2027-03-29T06:00:00Z'), 'Europe/Berlin')).toBe('2027-03-29 08:00 GMT+2');
    expect(localLabel(new Date('2027-01-04T13:00:00Z'), 'America/New_York')).toBe('2027-01-04 08:00 EST');
  });
});

describe('custom cron rules', () => {
  it.each([
    ['0 8 * * 1', null],
    ['*/5 * * * *', null],
    ['0,30 9-17 * * 1-5', null],
    ['* * * * *', 'every 1 minute'],
    ['*/2 8 * * *', 'every 2 minute'],
    ['58 8,9 * * *', null],
    ['58,1 8,9 * * *', 'every 3 minute'],
    ['0 0 30 2 *', 'never fires'],
    ['0 0 31 4 *', 'never fires'],
    ['0 0 29 2 *', null],
    ['* * * * * *', 'five fields'],
    ['61 8 * * *', 'not a valid cron expression: Constraint error, got value 61 expected range 0-59'],
  ])('%s → %s', (cron, problem) => {
    const found = cronScheduleProblem(cron, 'Europe/Berlin');
    if (problem === null) expect(found).toBeNull();
    else expect(found).toContain(problem);
  });
});

describe('schedules in words', () => {
  it.each<[ReportSchedule, string]>([
    [{ type: 'daily', time: '08:00', timeZone: 'UTC' }, 'Every day at 08:00 (UTC)'],
    [
      { type: 'weekly', days: ['thu', 'mon'], time: '08:00', timeZone: 'Europe/Berlin' },
      'Every Monday and Thursday at 08:00 (Europe/Berlin)',
    ],
    [{ type: 'monthly', dayOfMonth: 'last', time: '17:00', timeZone: 'UTC' }, 'Monthly on the last day at 17:00 (UTC)'],
    [{ type: 'monthly', dayOfMonth: 1, time: '06:00', timeZone: 'UTC' }, 'Monthly on the 1st at 06:00 (UTC)'],
    [{ type: 'cron', cron: '0 8 * * 1', timeZone: 'UTC' }, 'Cron "0 8 * * 1" (UTC)'],
  ])('%j', (schedule, text) => {
    expect(describeSchedule(schedule)).toBe(text);
  });
});
