import { afterEach, describe, expect, it, vi } from 'vitest';
import { AccessTokens } from './tokens.ts';

const claims = {
  userId: '2b7f3c2e-1d4a-4c1e-9f5e-0a1b2c3d4e5f',
  orgId: '6a1e2f3d-4c5b-4a69-8b7c-1d2e3f4a5b6c',
  sessionId: '9c8b7a6d-5e4f-4321-8fed-cba987654321',
};

afterEach(() => {
  vi.useRealTimers();
});

describe('AccessTokens.verify, with verified tokens kept', () => {
  it('answers a token verified before exactly as the first time, until it expires', async () => {
    vi.useFakeTimers({ toFake: ['Date'] });
    vi.setSystemTime(new Date('2026-12-07T01:00:00Z'));
    const tokens = new AccessTokens('test-jwt-secret-0123456789abcdef0123456789', 60);
    const token = await tokens.sign(claims);
    expect(await tokens.verify(token)).toEqual(claims);
    expect(await tokens.verify(token)).toEqual(claims);
    vi.setSystemTime(new Date('2026-12-07T01:00:59.900Z'));
    expect(await tokens.verify(token)).toEqual(claims);
    // The kept token expires with its `exp`, as jose decides it.
    vi.setSystemTime(new Date('2026-12-07T01:01:00Z'));
    await expect(tokens.verify(token)).rejects.toMatchObject({ code: 'TOKEN_EXPIRED' });
    await expect(tokens.verify(token)).rejects.toMatchObject({ code: 'TOKEN_EXPIRED' });
  });

  it('still refuses a tampered token, or one signed with another secret, beside a kept one', async () => {
    const tokens = new AccessTokens('test-jwt-secret-0123456789abcdef0123456789', 60);
    const token = await tokens.sign(claims);
    await tokens.verify(token);
    const [head, payload, signature = ''] = token.split('.');
    // A character in the middle of the signature (the last one also carries unused bits).
    const flipped = signature[10] === 'A' ? 'B' : 'A';
    const forged = `${head}.${payload}.${signature.slice(0, 10)}${flipped}${signature.slice(11)}`;
    await expect(tokens.verify(forged)).rejects.toMatchObject({ code: 'UNAUTHENTICATED' });
    const other = await new AccessTokens('another-secret-0123456789abcdef0123456789ab', 60).sign(claims);
    await expect(tokens.verify(other)).rejects.toMatchObject({ code: 'UNAUTHENTICATED' });
  });
});
