import type { ReviewRecordStatusDto, SubjectEvent } from '@cdp/contracts';

/**
 * The review record of a profile event: same dataset, and the record key's --SEQ equal to the
 * event's sequence number (the review API keys records USUBJID + --SEQ; its key values are text,
 * "3" or "3.0" alike). Null for an event without a sequence number or without a review record.
 */
export function reviewRecordOf(
  records: readonly ReviewRecordStatusDto[],
  event: Pick<SubjectEvent, 'dataset' | 'seq'>,
): ReviewRecordStatusDto | null {
  if (event.seq === null) return null;
  const dataset = event.dataset.toUpperCase();
  return (
    records.find((r) => {
      if (r.dataset.toUpperCase() !== dataset) return false;
      const seq = Object.entries(r.key).find(([name]) => name.toUpperCase().endsWith('SEQ'));
      return seq !== undefined && seq[1] !== null && seq[1].trim() !== '' && Number(seq[1]) === event.seq;
    }) ?? null
  );
}
