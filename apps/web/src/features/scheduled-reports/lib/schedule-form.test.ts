import { describe, expect, it } from 'vitest';
import { draftOf, errorAt, fieldErrors, looksLikeEmail, scheduleOf } from './schedule-form.ts';

describe('schedule builder', () => {
  it('keeps only the fields of the chosen kind and orders the weekdays', () => {
    const draft = {
      ...draftOf(undefined),
      type: 'weekly' as const,
      days: ['fri' as const, 'mon' as const],
      timeZone: 'Europe/Berlin',
    };
    expect(scheduleOf(draft)).toEqual({
      type: 'weekly',
      days: ['mon', 'fri'],
      time: '08:00',
      timeZone: 'Europe/Berlin',
    });
    expect(scheduleOf({ ...draft, type: 'monthly', dayOfMonth: 'last' })).toEqual({
      type: 'monthly',
      dayOfMonth: 'last',
      time: '08:00',
      timeZone: 'Europe/Berlin',
    });
    expect(scheduleOf({ ...draft, type: 'cron', cron: '0 6 1 * *' })).toEqual({
      type: 'cron',
      cron: '0 6 1 * *',
      timeZone: 'Europe/Berlin',
    });
  });

  it('reads a saved schedule back into the builder', () => {
    const draft = draftOf({ type: 'daily', time: '17:30', timeZone: 'Asia/Tokyo' });
    expect(draft.type).toBe('daily');
    expect(draft.time).toBe('17:30');
    expect(draft.timeZone).toBe('Asia/Tokyo');
  });
});

describe('server errors on fields', () => {
  it('maps string and array paths without the body prefix, first message wins', () => {
    const errors = fieldErrors([
      { path: 'body.recipients.1', message: 'Not an e-mail address.' },
      { path: ['body', 'schedule', 'cron'], message: 'Bad cron.' },
      { path: 'body.recipients.2', message: 'Second.' },
    ]);
    expect(errorAt(errors, 'recipients')).toBe('Not an e-mail address.');
    expect(errorAt(errors, 'schedule')).toBe('Bad cron.');
    expect(errorAt(errors, 'cc')).toBeUndefined();
  });

  it('checks addresses loosely', () => {
    expect(looksLikeEmail('a@b.org')).toBe(true);
    expect(looksLikeEmail('a@b')).toBe(false);
    expect(looksLikeEmail('a b@c.org')).toBe(false);
  });
});
