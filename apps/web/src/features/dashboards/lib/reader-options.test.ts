import { describe, expect, it } from 'vitest';
import { compactReaderOptions, readerOptionsParam, withReaderOptions } from './reader-options.ts';

describe('a reader’s choices on a widget, in the URL and the request', () => {
  it('drops what is the saved value anyway (all, an empty list) and sorts the keys', () => {
    expect(compactReaderOptions({ severity: [], serious: 'all', outcome: ['FATAL'] })).toEqual({ outcome: ['FATAL'] });
    expect(readerOptionsParam({ severity: ['MILD'], serious: 'serious' })).toBe(
      '{"serious":"serious","severity":["MILD"]}',
    );
    expect(readerOptionsParam({ serious: 'all' })).toBe('');
    expect(readerOptionsParam(undefined)).toBe('');
  });

  it('sets one widget’s choices and removes a widget left with none; no choice anywhere is no map', () => {
    const one = withReaderOptions(undefined, 'ae', { severity: ['MILD'] });
    expect(one).toEqual({ ae: { severity: ['MILD'] } });
    expect(withReaderOptions(one, 'other', { outcome: ['FATAL'] })).toEqual({
      ae: { severity: ['MILD'] },
      other: { outcome: ['FATAL'] },
    });
    expect(withReaderOptions(one, 'ae', { severity: [], serious: 'all' })).toBeUndefined();
  });
});
