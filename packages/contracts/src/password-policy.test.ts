import { describe, expect, it } from 'vitest';
import { passwordPolicyProblems } from './password-policy.ts';

describe('password policy (shared part)', () => {
  it.each([
    ['Correct-Horse-Battery-7', 'jane.doe@example.com', 0],
    ['short', 'jane.doe@example.com', 1],
    ['Jane.Doe-is-the-best', 'jane.doe@example.com', 1],
    ['xx-JANE.DOE-xx-yy', 'jane.doe@example.com', 1],
    ['ab-long-enough-password', 'ab@example.com', 0],
  ])('%s for %s has %i problem(s)', (password, email, count) => {
    expect(passwordPolicyProblems(password, email)).toHaveLength(count);
  });
});
