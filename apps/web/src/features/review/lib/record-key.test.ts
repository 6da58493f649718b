import { describe, expect, it } from 'vitest';
import { canonicalKeyValue, rowKeyText } from './record-key.ts';

describe('rowKeyText', () => {
  const columns = [
    { name: 'STUDYID', type: 'string' },
    { name: 'usubjid', type: 'string' },
    { name: 'AESEQ', type: 'number' },
  ];
  it.each([
    [['S', '01-701-1015  ', 3], 'USUBJID=01-701-1015|AESEQ=3'],
    [['S', '01-701-1015', 3.0], 'USUBJID=01-701-1015|AESEQ=3'],
    [['S', '01-701-1015', '2.50'], 'USUBJID=01-701-1015|AESEQ=2.5'],
    [['S', '01-701-1015', null], 'USUBJID=01-701-1015|AESEQ='],
  ])('%j → %s (the server’s canonical key text)', (row, expected) => {
    expect(rowKeyText(['USUBJID', 'AESEQ'], columns, row)).toBe(expected);
  });
  it('is null when the grid lacks a key column', () => {
    expect(rowKeyText(['USUBJID', 'LBSEQ'], columns, ['S', 'x', 1])).toBeNull();
  });
  it('blank text and non-numbers read as empty', () => {
    expect(canonicalKeyValue('', false)).toBe('');
    expect(canonicalKeyValue('abc', true)).toBe('');
  });
});
