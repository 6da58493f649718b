import { describe, expect, it } from 'vitest';
import { checkPasswordPolicy, hashPassword, verifyPassword } from './passwords.ts';

describe('checkPasswordPolicy', () => {
  it.each([
    ['Correct-Horse-Battery-7', []],
    ['password1234', [/too common/]],
    ['Football!2026', [/too common/]],
    ['1234567890123', [/sequences/]],
    ['abcdefghijklmn', [/sequences/]],
    ['aaaaaaaaaaaaaa', [/different characters/]],
    ['sam.sample-2026-xyz', [/e-mail name/]],
    ['tiny', [/at least 12/, /too common/]],
  ])('%s', (password, expected) => {
    const problems = checkPasswordPolicy(password, 'sam.sample@example.com');
    expect(problems).toHaveLength(expected.length);
    expected.forEach((pattern, i) => {
      expect(problems[i]).toMatch(pattern);
    });
  });
});

describe('argon2id', () => {
  it('hashes with argon2id and verifies', async () => {
    const hash = await hashPassword('Correct-Horse-Battery-7');
    expect(hash).toMatch(/^\$argon2id\$v=19\$m=19456,t=2,p=1\$/);
    expect(await verifyPassword(hash, 'Correct-Horse-Battery-7')).toBe(true);
    expect(await verifyPassword(hash, 'correct-horse-battery-7')).toBe(false);
    expect(await verifyPassword('not a hash', 'x')).toBe(false);
  });
});
