import type { ReviewRecordStatusDto } from '@cdp/contracts';
import { describe, expect, it } from 'vitest';
import { reviewRecordOf, reviewRecordOfRow } from './review-match.ts';

function record(dataset: string, key: Record<string, string | null>): ReviewRecordStatusDto {
  return {
    dataset,
    recordKey: Object.entries(key)
      .map(([k, v]) => `${k}=${v}`)
      .join('|'),
    key,
    usubjid: key.USUBJID ?? '',
    status: 'not_reviewed',
    mark: null,
    changes: [],
  };
}

describe('reviewRecordOf', () => {
  const records = [
    record('AE', { USUBJID: '01-701-1023', AESEQ: '1' }),
    record('AE', { USUBJID: '01-701-1023', AESEQ: '2.0' }),
    record('ADAE', { USUBJID: '01-701-1023', AESEQ: '1' }),
    record('CM', { USUBJID: '01-701-1023', CMSEQ: '2' }),
  ];

  it('matches dataset and --SEQ, numbers written either way', () => {
    expect(reviewRecordOf(records, { dataset: 'AE', seq: 1 })).toBe(records[0]);
    expect(reviewRecordOf(records, { dataset: 'ae', seq: 2 })).toBe(records[1]);
    expect(reviewRecordOf(records, { dataset: 'ADAE', seq: 1 })).toBe(records[2]);
  });

  it('finds nothing for another dataset, an unknown sequence or an event without one', () => {
    expect(reviewRecordOf(records, { dataset: 'AE', seq: 3 })).toBeNull();
    expect(reviewRecordOf(records, { dataset: 'MH', seq: 1 })).toBeNull();
    expect(reviewRecordOf(records, { dataset: 'AE', seq: null })).toBeNull();
    expect(reviewRecordOf([record('AE', { USUBJID: 'X', AESEQ: '' })], { dataset: 'AE', seq: 0 })).toBeNull();
  });
});

describe('reviewRecordOfRow', () => {
  const records = [
    record('LB', { USUBJID: '01-701-1023', LBSEQ: '12.0' }),
    record('LB', { USUBJID: '01-701-1023', LBSEQ: '13' }),
    record('DM', { USUBJID: '01-701-1023' }),
  ];
  const columns = ['STUDYID', 'USUBJID', 'LBSEQ', 'LBTESTCD'];

  it('matches every key value of the row, numbers written either way', () => {
    expect(reviewRecordOfRow(records, 'lb', columns, ['X', '01-701-1023', 12, 'ALT'])).toBe(records[0]);
    expect(reviewRecordOfRow(records, 'LB', columns, ['X', '01-701-1023', '13.0', 'ALT'])).toBe(records[1]);
    expect(reviewRecordOfRow(records, 'DM', ['USUBJID', 'AGE'], ['01-701-1023', 63])).toBe(records[2]);
  });

  it('finds nothing for another subject, sequence or dataset, or a row without the key column', () => {
    expect(reviewRecordOfRow(records, 'LB', columns, ['X', '01-701-1024', 12, 'ALT'])).toBeNull();
    expect(reviewRecordOfRow(records, 'LB', columns, ['X', '01-701-1023', 14, 'ALT'])).toBeNull();
    expect(reviewRecordOfRow(records, 'VS', columns, ['X', '01-701-1023', 12, 'ALT'])).toBeNull();
    expect(reviewRecordOfRow(records, 'LB', ['USUBJID'], ['01-701-1023'])).toBeNull();
  });
});
