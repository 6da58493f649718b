import { describe, expect, it } from 'vitest';
import { cronProblem, describeCron, nextRun, nextRuns, triggerPhrases } from './schedule.ts';

describe('nextRun', () => {
  it('fires at the wall-clock time of its time zone, across a daylight-saving change', () => {
    // 06:00 in Berlin is 05:00 UTC in winter (CET) and 04:00 UTC in summer (CEST).
    const winter = nextRun('0 6 * * *', 'Europe/Berlin', new Date('2026-01-15T12:00:00Z'));
    expect(winter?.toISOString()).toBe('2026-01-16T05:00:00.000Z');
    const summer = nextRun('0 6 * * *', 'Europe/Berlin', new Date('2026-07-15T12:00:00Z'));
    expect(summer?.toISOString()).toBe('2026-07-16T04:00:00.000Z');
    // 2026-03-29 is the night Berlin moves to summer time.
    const runs = nextRuns('0 6 * * *', 'Europe/Berlin', 2, new Date('2026-03-28T00:00:00Z'));
    expect(runs.map((d) => d.toISOString())).toEqual(['2026-03-28T05:00:00.000Z', '2026-03-29T04:00:00.000Z']);
  });

  it('skips to the next weekday', () => {
    // 2026-12-05 is a Saturday: weekdays at 07:30 New York next fire on Monday the 7th (EST, UTC-5).
    expect(nextRun('30 7 * * 1-5', 'America/New_York', new Date('2026-12-05T12:00:00Z'))?.toISOString()).toBe(
      '2026-12-07T12:30:00.000Z',
    );
  });

  it('answers null for an expression that is not valid', () => {
    expect(nextRun('61 * * * *', 'UTC')).toBeNull();
  });
});

describe('cronProblem', () => {
  it('names the shape expected, or the field that is wrong', () => {
    expect(cronProblem('0 6 * *')).toMatch(/five fields/);
    expect(cronProblem('0 25 * * *')).toMatch(/Not a valid schedule/);
    expect(cronProblem('0 6 * * 1-5')).toBeNull();
  });
});

describe('describeCron', () => {
  it('puts the common shapes in words and leaves the rest as written', () => {
    expect(describeCron('0 6 * * *')).toBe('Every day at 06:00');
    expect(describeCron('30 7 * * 1-5')).toBe('Weekdays at 07:30');
    expect(describeCron('0 22 * * 0')).toBe('Every Sunday at 22:00');
    expect(describeCron('15 * * * *')).toBe('Every hour at :15');
    expect(describeCron('0 3 1 * *')).toBe('Day 1 of every month at 03:00');
    expect(describeCron('*/10 8-18 * * 1-5')).toBe('*/10 8-18 * * 1-5');
  });
});

describe('triggerPhrases', () => {
  it('lists every trigger, and says when a pipeline only runs by hand', () => {
    expect(triggerPhrases({ onSourceActivation: false, schedule: null, afterUpstream: true }, false)).toEqual([
      'Manual only',
    ]);
    expect(
      triggerPhrases(
        { onSourceActivation: true, schedule: { cron: '0 6 * * 1-5', timeZone: 'Europe/Berlin' }, afterUpstream: true },
        true,
      ),
    ).toEqual(['Weekdays at 06:00 (Europe/Berlin)', 'When new data is activated', 'After its upstream pipelines']);
  });
});
