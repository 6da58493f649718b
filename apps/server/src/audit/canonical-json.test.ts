import { createHash } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import { hashEvent } from './audit-log.ts';
import { canonicalJson } from './canonical-json.ts';

describe('canonicalJson', () => {
  it.each([
    [{ b: 1, a: [3, { d: null, c: 'x' }] }, '{"a":[3,{"c":"x","d":null}],"b":1}'],
    [{ z: undefined, y: true }, '{"y":true}'],
    ['é "quoted"', '"é \\"quoted\\""'],
    [new Date('2026-01-02T03:04:05.678Z'), '"2026-01-02T03:04:05.678Z"'],
    [[], '[]'],
    [null, 'null'],
    [1.5e-7, '1.5e-7'],
  ])('%j → %s', (value, expected) => {
    expect(canonicalJson(value)).toBe(expected);
  });

  it('gives the same text whatever the key order', () => {
    expect(canonicalJson({ a: 1, b: { c: 2, d: 3 } })).toBe(canonicalJson({ b: { d: 3, c: 2 }, a: 1 }));
  });

  it('refuses values JSON cannot carry faithfully', () => {
    expect(() => canonicalJson(Number.NaN)).toThrow();
    expect(() => canonicalJson(() => 1)).toThrow();
  });
});

describe('hashEvent', () => {
  const event = {
    orgId: 'o',
    seq: 1,
    prevHash: '0'.repeat(64),
    actorType: 'user',
    actorId: 'u',
    actorLabel: 'a@b.c',
    action: 'study.created',
    resourceType: 'study',
    resourceId: 's',
    oldValues: null,
    newValues: { name: 'x' },
    resourceLabel: null,
    reason: null,
    ip: null,
    userAgent: null,
    createdAt: '2026-01-01T00:00:00.000000Z',
  };

  it('changes when any hashed field changes', () => {
    const base = hashEvent(event);
    expect(base).toMatch(/^[0-9a-f]{64}$/);
    for (const [key, value] of Object.entries({
      seq: 2,
      actorLabel: 'x',
      newValues: { name: 'y' },
      createdAt: '2026-01-01T00:00:00.000001Z',
      resourceLabel: 'CDP-301',
    })) {
      expect(hashEvent({ ...event, [key]: value }), key).not.toBe(base);
    }
  });

  it('hashes an event without a resource label exactly as events written before the column existed', () => {
    const { resourceLabel: _none, ...before } = event;
    const expected = createHash('sha256')
      .update(canonicalJson({ v: 1, ...before }))
      .digest('hex');
    expect(hashEvent(event)).toBe(expected);
  });
});
