import { describe, expect, it } from 'vitest';
import { inspectInput } from './inspect-input.ts';

function nested(levels: number): unknown {
  let value: unknown = 1;
  for (let i = 0; i < levels; i++) value = [value];
  return value;
}

describe('inspectInput', () => {
  it.each([
    ['plain text', { name: 'Trial 301', tags: ['a', 'b'], n: 3, ok: true, none: null }, null],
    ['tab, CR and LF', { text: 'one\r\ntwo\tthree' }, null],
    ['NUL in a value', { name: 'a\u0000b' }, { path: 'body.name', message: /U\+0000 at position 2/ }],
    ['ESC deep in an array', { a: [{ b: 'x' }, { b: '\u001b[2J' }] }, { path: 'body.a.1.b', message: /U\+001B/ }],
    ['DEL', { s: 'x\u007f' }, { path: 'body.s', message: /U\+007F at position 2/ }],
    ['a control character in a key', { 'na\u0007me': 'x' }, { path: 'body', message: /field name.*U\+0007/ }],
    ['32 levels', nested(32), null],
    ['33 levels', nested(33), { path: `body${'.0'.repeat(32)}`, message: /more than 32 levels/ }],
    ['500,000 levels', nested(500_000), { path: `body${'.0'.repeat(32)}`, message: /more than 32 levels/ }],
  ])('%s', (_what, value, expected) => {
    const problem = inspectInput(value, 'body');
    if (expected === null) expect(problem).toBeNull();
    else {
      expect(problem?.path).toBe(expected.path);
      expect(problem?.message).toMatch(expected.message);
    }
  });

  it('reports the first problem in document order', () => {
    expect(inspectInput({ a: 'ok', b: 'x\u0001', c: 'y\u0002' }, 'body')?.path).toBe('body.b');
  });
});
