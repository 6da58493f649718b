import type { GrantDto } from '@cdp/contracts';
import { describe, expect, it } from 'vitest';
import { apiKeyGrants } from './api-key-grants.ts';
import { generateApiKeySecret, hashApiKeySecret, looksLikeApiKey, toBase62 } from './api-key-secret.ts';

const S1 = '11111111-1111-4111-8111-111111111111';
const S2 = '22222222-2222-4222-8222-222222222222';

const grant = (permissions: string[], studyId: string | null = null): GrantDto => ({
  roleKey: 'r',
  roleName: 'R',
  studyId,
  expiresAt: null,
  permissions,
});

describe('apiKeyGrants', () => {
  const cases: {
    name: string;
    creator: GrantDto[];
    scopes: string[];
    studies: string[] | null;
    expected: GrantDto[];
  }[] = [
    {
      name: 'keeps only scopes the creator holds',
      creator: [grant(['study:view:assigned', 'data:view:assigned'])],
      scopes: ['study:view:assigned', 'audit:view:own'],
      studies: null,
      expected: [grant(['study:view:assigned'])],
    },
    {
      name: 'a held manage satisfies a view scope',
      creator: [grant(['study:manage:assigned'])],
      scopes: ['study:view:assigned'],
      studies: null,
      expected: [grant(['study:view:assigned'])],
    },
    {
      name: 'never keeps permissions a key cannot hold, even if stored as scopes',
      creator: [grant(['user:manage:own', 'study:view:assigned'])],
      scopes: ['user:manage:own', 'study:view:assigned'],
      studies: null,
      expected: [grant(['study:view:assigned'])],
    },
    {
      name: 'a study list turns an organization-wide grant into one grant per study, keeping organization-level scopes',
      creator: [grant(['study:view:assigned', 'audit:view:own'])],
      scopes: ['study:view:assigned', 'audit:view:own'],
      studies: [S1, S2],
      expected: [grant(['audit:view:own']), grant(['study:view:assigned'], S1), grant(['study:view:assigned'], S2)],
    },
    {
      name: 'a study-limited grant counts only for a listed study',
      creator: [grant(['study:view:assigned'], S1), grant(['data:view:assigned'], S2)],
      scopes: ['study:view:assigned', 'data:view:assigned'],
      studies: [S1],
      expected: [grant(['study:view:assigned'], S1)],
    },
    {
      name: 'a creator without roles gives nothing',
      creator: [],
      scopes: ['study:view:assigned'],
      studies: null,
      expected: [],
    },
  ];
  for (const c of cases) {
    it(c.name, () => expect(apiKeyGrants(c.creator, c.scopes, c.studies)).toEqual(c.expected));
  }
});

describe('API key secrets', () => {
  it('are cdp_ and 43 base62 characters, prefixed, hashed with SHA-256', async () => {
    const { secret, prefix, hash } = generateApiKeySecret();
    expect(secret).toMatch(/^cdp_[0-9A-Za-z]{43}$/);
    expect(secret.startsWith(prefix)).toBe(true);
    expect(prefix).toHaveLength(10);
    const expected = (await import('node:crypto')).createHash('sha256').update(secret).digest('hex');
    expect(hash).toBe(expected);
    expect(hashApiKeySecret(secret)).toBe(hash);
  });

  it('base62 of 32 bytes: zero, the maximum, and a known value', () => {
    expect(toBase62(Buffer.alloc(32))).toBe('0'.repeat(43));
    expect(toBase62(Buffer.alloc(32, 0xff))).toHaveLength(43);
    // 62^2 + 1 = 3845 → "101"
    const small = Buffer.alloc(32);
    small.writeUInt16BE(3845, 30);
    expect(toBase62(small)).toBe(`${'0'.repeat(40)}101`);
  });

  it('tells a key from a JWT', () => {
    expect(looksLikeApiKey('cdp_abc')).toBe(true);
    expect(looksLikeApiKey('eyJhbGciOiJIUzI1NiJ9.e30.x')).toBe(false);
  });
});
