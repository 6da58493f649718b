import { afterEach, describe, expect, it } from 'vitest';
import type { EarlyRequests } from '../boot/early-requests.ts';
import { adoptEarlyRequests, dropEarlyRequests, takeEarlyRefresh, takeEarlyResponse } from './early-requests.ts';

const answer = (text: string) => Promise.resolve(new Response(text));

function early(over: Partial<EarlyRequests> = {}): EarlyRequests {
  return {
    startedAt: Date.now(),
    refresh: answer('{"accessToken":"t1"}'),
    token: 't1',
    responses: new Map([
      ['application/json /api/me', answer('me')],
      ['application/x-ndjson /api/studies/s/dashboards/d/data?filters=%5B%5D', answer('page')],
    ]),
    ...over,
  };
}

afterEach(() => adoptEarlyRequests(null));

describe('early requests', () => {
  it('hands the refresh out once', async () => {
    adoptEarlyRequests(early());
    const refresh = takeEarlyRefresh();
    expect(await (await refresh)?.json()).toEqual({ accessToken: 't1' });
    expect(takeEarlyRefresh()).toBeNull();
  });

  it('hands a response out once, for the same address, media type and token', async () => {
    adoptEarlyRequests(early());
    expect(takeEarlyResponse('/api/me', 'application/x-ndjson', 't1')).toBeNull();
    expect(takeEarlyResponse('/api/me?x=1', 'application/json', 't1')).toBeNull();
    const me = takeEarlyResponse('/api/me', 'application/json', 't1');
    expect(await (await me)?.text()).toBe('me');
    expect(takeEarlyResponse('/api/me', 'application/json', 't1')).toBeNull();
    const page = takeEarlyResponse('/api/studies/s/dashboards/d/data?filters=%5B%5D', 'application/x-ndjson', 't1');
    expect(await (await page)?.text()).toBe('page');
  });

  it('gives nothing to another token (a session ended and begun again) or without one', () => {
    adoptEarlyRequests(early());
    expect(takeEarlyResponse('/api/me', 'application/json', 't2')).toBeNull();
    expect(takeEarlyResponse('/api/me', 'application/json', null)).toBeNull();
    adoptEarlyRequests(early({ token: null }));
    expect(takeEarlyResponse('/api/me', 'application/json', null)).toBeNull();
  });

  it('gives nothing once the page is older than ten seconds', () => {
    adoptEarlyRequests(early({ startedAt: Date.now() - 11_000 }));
    expect(takeEarlyRefresh()).toBeNull();
    expect(takeEarlyResponse('/api/me', 'application/json', 't1')).toBeNull();
  });

  it('forgets everything when the session ends', () => {
    adoptEarlyRequests(early());
    dropEarlyRequests();
    expect(takeEarlyRefresh()).toBeNull();
    expect(takeEarlyResponse('/api/me', 'application/json', 't1')).toBeNull();
  });

  it('does nothing without a boot script (development server, old browsers)', () => {
    expect(takeEarlyRefresh()).toBeNull();
    expect(takeEarlyResponse('/api/me', 'application/json', 't1')).toBeNull();
  });
});
