import { describe, expect, it } from 'vitest';
import { globMatcher } from './glob.ts';

describe('globMatcher', () => {
  it.each([
    ['*.zip', 'sdtm.zip', true],
    ['*.zip', 'SDTM.ZIP', true],
    ['*.zip', 'sdtm.zip.part', false],
    ['*.zip', 'sub/sdtm.zip', false],
    ['sdtm_??.zip', 'sdtm_01.zip', true],
    ['sdtm_??.zip', 'sdtm_1.zip', false],
    ['[ad]*.xpt', 'ae.xpt', true],
    ['[ad]*.xpt', 'lb.xpt', false],
    ['[!a]*.xpt', 'ae.xpt', false],
    ['a+b.csv', 'a+b.csv', true],
    ['a+b.csv', 'aab.csv', false],
    ['*', 'anything', true],
  ])('%s against %s → %s', (pattern, name, expected) => {
    expect(globMatcher(pattern)(name)).toBe(expected);
  });
});
