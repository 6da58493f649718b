import type { ReviewRecordStatusDto } from '@cdp/contracts';
import { describe, expect, it } from 'vitest';
import { reviewRecordOf } from './review-match.ts';

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
