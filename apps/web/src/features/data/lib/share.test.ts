import { describe, expect, it } from 'vitest';
import { shareText } from './share.ts';

describe('shareText', () => {
  it.each([
    [0, 100, '0%'],
    [100, 100, '100%'],
    [50, 200, '25%'],
    // The reported contradiction: "Filled 100%" beside "Missing 95".
    [1_026_129 - 95, 1_026_129, '>99.9%'],
    [95, 1_026_129, '<0.1%'],
    [995, 1000, '99.5%'],
    [4, 1000, '0.4%'],
    [0, 0, '0%'],
  ])('%i of %i is %s', (part, whole, text) => {
    expect(shareText(part, whole)).toBe(text);
  });
});
