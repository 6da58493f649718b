import { describe, expect, it } from 'vitest';
import { suggestPhi } from './suggest-phi.ts';

describe('suggestPhi', () => {
  it.each([
    ['BRTHDTC', 'Date/Time of Birth', 'phi'],
    ['BRTHDT', null, 'phi'],
    ['SUBJINIT', 'Subject Initials', 'phi'],
    ['XXINIT', 'Patient initials', 'phi'],
    ['PTADR', 'Home address', 'phi'],
    ['CONTACT', 'Telephone', 'phi'],
    ['AGE', 'Age', null],
    ['USUBJID', 'Unique Subject Identifier', null],
    ['SEX', 'Sex', null],
    ['AETERM', 'Reported Term for the Adverse Event', null],
    ['COVAL', 'Comment', null],
  ])('%s (%s) → %s', (name, label, expected) => {
    expect(suggestPhi(name, label)?.classification ?? null).toBe(expected);
  });

  it('suggests verbatims as sensitive only when asked', () => {
    expect(suggestPhi('AETERM', 'Reported Term', { verbatims: true })?.classification).toBe('sensitive');
    expect(suggestPhi('COVAL1', 'Comment', { verbatims: true })?.classification).toBe('sensitive');
  });
});
